// Fault injection for the Roboflow API emulator.
//
// The format is shared with other parts of the project (see README.md, "Faults"):
// { "seed": 42, "signedUrlTtlSeconds": 3600, "imageFailureRate": 0,
//   "rules": [ { "route": "storage-put", "rate": 0.2, "kind": "reset-request", "afterBytes": 50000, "times": 100 } ] }
//
// Determinism: every route has its own PRNG stream seeded from (seed, route id).
// Each request on a route draws exactly one number per matching rule, in rule
// order, whether or not the rule has run out of `times`. The n-th request on a
// route therefore always gets the same decision for the same config, no matter
// what happens concurrently on other routes.

import { createHash } from 'node:crypto';

export const ROUTE_IDS = [
  'resolve-workspace',
  'list-batches',
  'get-batch',
  'count',
  'parts',
  'list-content',
  'shards',
  'upload-image',
  'upload-video-url',
  'bulk-upload-url',
  'image-references',
  'video-references',
  'roboql-ingest',
  'create-job',
  'list-jobs',
  'get-job',
  'stages',
  'tasks',
  'abort',
  'restart',
  'logs',
  'storage-put',
  'storage-get',
] as const;

export type RouteId = (typeof ROUTE_IDS)[number];

export type FaultKind = 'status' | 'latency' | 'reset-request' | 'reset-response' | 'stall' | 'truncate' | 'drop' | 'reset-after-commit' | 'corrupt';

export interface FaultRule {
  /** A route id, or `*` for every route (API and storage; never the inspection surface). */
  route: RouteId | '*';
  /** Probability per request, 0..1. Default 1. */
  rate?: number;
  kind: FaultKind;
  /** `status`: the HTTP status to answer with. */
  status?: number;
  /** `status`: adds a `Retry-After` header (seconds). */
  retryAfterSeconds?: number;
  /** `latency`: delay before handling; `stall`: how long to stall before closing. */
  ms?: number;
  /** `reset-request`: request-body bytes before the socket is destroyed;
   *  `reset-response` / `truncate`: response-body bytes sent before the socket is destroyed / ended;
   *  `corrupt`: response-body bytes sent intact before the rest is sent as zeros;
   *  `stall`: response-body bytes sent before stalling (default 0 = stall before responding). */
  afterBytes?: number;
  /** Max number of times this rule fires. Default unlimited. */
  times?: number;
}

export interface FaultConfig {
  seed?: number;
  /** TTL of every signed URL handed out (uploads and downloads). Default: 3600 s for uploads, 86400 s for downloads. */
  signedUrlTtlSeconds?: number;
  /** Fraction (0..1) of images that fail during job processing. Deterministic from seed + batch + file name. */
  imageFailureRate?: number;
  /** Real ms (not scaled) between a storage PUT completing and its shard or video being listed (and counted). */
  listingLagMs?: number;
  /** Real ms (not scaled) after a restart during which the job, its stages and tasks still read as before it (failed). */
  restartLagMs?: number;
  /** Listed files carry their part's name (`partName`, optional in 3.5). Default: left out. */
  listPartName?: boolean;
  /** Shards carry `isTerminal`, which only older CLI versions expected (3.6). Default: left out. */
  shardIsTerminal?: boolean;
  rules?: FaultRule[];
}

export interface FaultDecision {
  /** Non-latency fault to apply, if any. */
  fault: FaultRule | null;
  /** Total latency to add before handling (sum of firing `latency` rules). */
  latencyMs: number;
}

const KINDS: readonly FaultKind[] = ['status', 'latency', 'reset-request', 'reset-response', 'stall', 'truncate', 'drop', 'reset-after-commit', 'corrupt'];
/** Storage uploads only: `drop` answers 200 but loses the object; `reset-after-commit` stores it, then resets unanswered. */
const PUT_ONLY: readonly FaultKind[] = ['drop', 'reset-after-commit'];
/** Storage downloads only: `corrupt` sends the whole length, zeros after `afterBytes` (damaged content of the right size). */
const GET_ONLY: readonly FaultKind[] = ['corrupt'];

/** Validates a fault config (throws an Error with a readable message). */
export function validateFaultConfig(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('fault config must be a JSON object');
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['seed', 'signedUrlTtlSeconds', 'imageFailureRate', 'listingLagMs', 'restartLagMs', 'listPartName', 'shardIsTerminal', 'rules'].includes(k)) {
      throw new Error(`unknown fault config key "${k}"`);
    }
  }
  const num = (v: unknown, name: string, min: number, max = Infinity): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new Error(`${name} must be a number in [${min}, ${max}]`);
    return v;
  };
  const cfg: FaultConfig = {};
  const seed = num(o.seed, 'seed', -Number.MAX_SAFE_INTEGER);
  if (seed !== undefined) cfg.seed = seed;
  const ttl = num(o.signedUrlTtlSeconds, 'signedUrlTtlSeconds', 0);
  if (ttl !== undefined) cfg.signedUrlTtlSeconds = ttl;
  const ifr = num(o.imageFailureRate, 'imageFailureRate', 0, 1);
  if (ifr !== undefined) cfg.imageFailureRate = ifr;
  const lag = num(o.listingLagMs, 'listingLagMs', 0);
  if (lag !== undefined) cfg.listingLagMs = lag;
  const restartLag = num(o.restartLagMs, 'restartLagMs', 0);
  if (restartLag !== undefined) cfg.restartLagMs = restartLag;
  for (const flag of ['listPartName', 'shardIsTerminal'] as const) {
    const on = o[flag];
    if (on === undefined) continue;
    if (typeof on !== 'boolean') throw new Error(`${flag} must be true or false`);
    cfg[flag] = on;
  }
  if (o.rules !== undefined) {
    if (!Array.isArray(o.rules)) throw new Error('rules must be an array');
    cfg.rules = o.rules.map((r: unknown, i: number) => {
      if (typeof r !== 'object' || r === null) throw new Error(`rules[${i}] must be an object`);
      const rr = r as Record<string, unknown>;
      for (const k of Object.keys(rr)) {
        if (!['route', 'rate', 'kind', 'status', 'retryAfterSeconds', 'ms', 'afterBytes', 'times'].includes(k)) {
          throw new Error(`rules[${i}]: unknown key "${k}"`);
        }
      }
      if (rr.route !== '*' && !(ROUTE_IDS as readonly unknown[]).includes(rr.route)) throw new Error(`rules[${i}]: unknown route ${JSON.stringify(rr.route)}`);
      if (!KINDS.includes(rr.kind as FaultKind)) throw new Error(`rules[${i}]: unknown kind ${JSON.stringify(rr.kind)}`);
      if (PUT_ONLY.includes(rr.kind as FaultKind) && rr.route !== 'storage-put') throw new Error(`rules[${i}]: kind "${String(rr.kind)}" needs route "storage-put"`);
      if (GET_ONLY.includes(rr.kind as FaultKind) && rr.route !== 'storage-get') throw new Error(`rules[${i}]: kind "${String(rr.kind)}" needs route "storage-get"`);
      const rule: FaultRule = { route: rr.route as RouteId | '*', kind: rr.kind as FaultKind };
      const rate = num(rr.rate, `rules[${i}].rate`, 0, 1);
      if (rate !== undefined) rule.rate = rate;
      const status = num(rr.status, `rules[${i}].status`, 100, 599);
      if (status !== undefined) rule.status = Math.floor(status);
      if (rule.kind === 'status' && rule.status === undefined) throw new Error(`rules[${i}]: kind "status" needs "status"`);
      const ra = num(rr.retryAfterSeconds, `rules[${i}].retryAfterSeconds`, 0);
      if (ra !== undefined) rule.retryAfterSeconds = ra;
      const ms = num(rr.ms, `rules[${i}].ms`, 0);
      if (ms !== undefined) rule.ms = ms;
      const ab = num(rr.afterBytes, `rules[${i}].afterBytes`, 0);
      if (ab !== undefined) rule.afterBytes = Math.floor(ab);
      const times = num(rr.times, `rules[${i}].times`, 0);
      if (times !== undefined) rule.times = Math.floor(times);
      return rule;
    });
  }
  return cfg;
}

/** mulberry32: small, fast, good-enough PRNG with 32-bit state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFor(seed: number, label: string): number {
  return createHash('sha256').update(`${seed}:${label}`).digest().readUInt32BE(0);
}

/** Deterministic [0,1) number from a seed and a label (no state). */
export function hashUnit(seed: number, label: string): number {
  return seedFor(seed, label) / 4294967296;
}

export class FaultEngine {
  private cfg: FaultConfig = {};
  private streams = new Map<string, () => number>();
  private fired: number[] = [];

  constructor(cfg?: FaultConfig) {
    this.set(cfg ?? {});
  }

  set(cfg: FaultConfig): void {
    this.cfg = validateFaultConfig(cfg);
    this.streams.clear();
    this.fired = (this.cfg.rules ?? []).map(() => 0);
  }

  get config(): FaultConfig {
    return structuredClone(this.cfg);
  }

  get seed(): number {
    return this.cfg.seed ?? 0;
  }

  get listingLagMs(): number {
    return this.cfg.listingLagMs ?? 0;
  }

  get restartLagMs(): number {
    return this.cfg.restartLagMs ?? 0;
  }

  get listPartName(): boolean {
    return this.cfg.listPartName === true;
  }

  get shardIsTerminal(): boolean {
    return this.cfg.shardIsTerminal === true;
  }

  /** Draw the decision for one request on `route`. */
  decide(route: RouteId): FaultDecision {
    const rules = this.cfg.rules ?? [];
    const out: FaultDecision = { fault: null, latencyMs: 0 };
    if (rules.length === 0) return out;
    let next = this.streams.get(route);
    if (!next) {
      next = mulberry32(seedFor(this.seed, route));
      this.streams.set(route, next);
    }
    rules.forEach((rule, i) => {
      if (rule.route !== '*' && rule.route !== route) return;
      const r = next();
      const limit = rule.times;
      if (limit !== undefined && (this.fired[i] ?? 0) >= limit) return;
      if (r >= (rule.rate ?? 1)) return;
      if (rule.kind === 'latency') {
        this.fired[i] = (this.fired[i] ?? 0) + 1;
        out.latencyMs += rule.ms ?? 0;
        return;
      }
      if (out.fault) return; // first non-latency fault wins; later ones don't consume `times`
      this.fired[i] = (this.fired[i] ?? 0) + 1;
      out.fault = rule;
    });
    return out;
  }
}
