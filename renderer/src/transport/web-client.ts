// BatchDeskApi over the web host (`batch-desk serve`): each invoke is `POST /api/invoke/<channel>`
// with a JSON body answering a Result envelope; events arrive as server-sent events on `/api/events`.
// The session token comes from the page URL (`?token=`) and travels as a bearer header, and as a
// query parameter on the EventSource (which cannot set headers).

import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  type BatchDeskApi,
  type EventChannel,
  type EventChannels,
  type InvokeChannel,
} from '../../../shared/contract';
import type { Result } from '../../../shared/result';

export interface WebClientOptions {
  /** Origin and path prefix of the host, e.g. `http://127.0.0.1:4310`; defaults to the page's origin. */
  baseUrl?: string;
  token?: string | null;
  fetch?: typeof fetch;
  /** Injected for tests; defaults to the browser's EventSource. */
  eventSource?: (url: string) => EventSourceLike;
  /** Runs `task` in a task of its own, later; injected for tests (default: through a MessageChannel). */
  schedule?: (task: () => void) => void;
}

/** The part of EventSource the client uses, so tests can hand in their own. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data: string }) => void): void;
  close(): void;
  onerror: ((event: unknown) => void) | null;
  onopen?: ((event: unknown) => void) | null;
  /** 2 (CLOSED): the browser gave up and will not reconnect (e.g. the host answered 401). */
  readonly readyState?: number;
}

const STREAM_LOST = {
  level: 'error',
  message:
    'The connection to Batch Desk was lost for good: the figures on this page have stopped. Reload the page; if `batch-desk serve` was restarted, open the new address it printed.',
};

type Listener = (payload: unknown) => void;

export function createWebClient(options: WebClientOptions = {}): BatchDeskApi {
  const base = (options.baseUrl ?? '').replace(/\/$/, '');
  const token = options.token ?? null;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const openEvents = options.eventSource ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike);
  const schedule = options.schedule ?? taskScheduler();

  async function invoke(channel: InvokeChannel, args: unknown): Promise<Result<unknown>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${base}/api/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(args ?? {}),
      });
      text = await response.text(); // the host may go away mid-answer too
    } catch (error) {
      return {
        ok: false,
        error: {
          code: 'network',
          message: 'Batch Desk is not answering. Check that `batch-desk serve` is still running, then reload.',
          detail: String(error),
          retryable: true,
        },
      };
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (isResult(body)) return body;
    if (response.status === 401 || response.status === 403) {
      return {
        ok: false,
        error: {
          code: 'unauthorized',
          message: 'This page has no valid session token. Open the address printed by `batch-desk serve` again.',
          detail: `HTTP ${response.status}`,
        },
      };
    }
    return {
      ok: false,
      error: {
        code: 'internal',
        message: 'Batch Desk answered with something unexpected. Reload the page; if it persists, restart `batch-desk serve`.',
        detail: `HTTP ${response.status} ${text.slice(0, 500)}`,
      },
    };
  }

  // One EventSource for all subscribers, opened on first subscription and closed with the last.
  const listeners = new Map<string, Set<Listener>>();
  let source: EventSourceLike | null = null;

  function dispatch(channel: string, payload: unknown): void {
    const set = listeners.get(channel);
    if (!set) return;
    for (const listener of [...set]) listener(payload);
  }

  // Events are delivered one per task, in the order they came. EventSource hands over every message
  // of a network read in one task, and a busy page reads a lot at once: at 10,000 items reporting
  // progress, handling a read's messages together made tasks of 100-150 ms (renderer-longtask).
  const inbox: { channel: string; data: string | null }[] = [];
  let scheduled = false;
  function receive(channel: string, data: string | null): void {
    inbox.push({ channel, data });
    if (!scheduled) {
      scheduled = true;
      schedule(deliverNext);
    }
  }
  function deliverNext(): void {
    scheduled = false;
    const next = inbox.shift();
    if (inbox.length > 0) {
      scheduled = true;
      schedule(deliverNext);
    }
    if (next) deliver(next.channel, next.data);
  }
  function deliver(channel: string, data: string | null): void {
    if (channel === '__reconnected') return dispatch(channel, null);
    if (channel === 'message') {
      // Hosts may also send unnamed messages shaped `{ channel, payload }`.
      const message = parse(data!) as { channel?: string; event?: string; payload?: unknown } | undefined;
      const named = message?.channel ?? message?.event;
      if (named && (EVENT_CHANNELS as readonly string[]).includes(named)) dispatch(named, message!.payload);
      return;
    }
    const payload = parse(data!);
    if (payload !== undefined) dispatch(channel, payload);
  }

  function ensureSource(): void {
    if (source) return;
    const url = `${base}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    source = openEvents(url);
    const named = source;
    for (const channel of [...EVENT_CHANNELS, 'message']) named.addEventListener(channel, (event) => receive(channel, event.data));
    // EventSource reconnects by itself; after a reconnect the UI refreshes its lists.
    let opened = false;
    named.onopen = () => {
      if (opened) receive('__reconnected', null);
      opened = true;
    };
    // It gives up on some answers (a restarted host refuses the old token): say so, once.
    let lost = false;
    named.onerror = () => {
      if (named.readyState !== 2 || lost) return;
      lost = true;
      receive('notice', JSON.stringify(STREAM_LOST));
    };
  }

  const api = { transport: 'web' } as Record<string, unknown>;
  for (const channel of INVOKE_CHANNELS) api[channel] = (args: unknown) => invoke(channel, args);
  api.subscribe = (event: EventChannel | '__reconnected', listener: Listener) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    ensureSource();
    return () => {
      set!.delete(listener);
      const anyLeft = [...listeners.values()].some((s) => s.size > 0);
      if (!anyLeft && source) {
        source.close();
        source = null;
      }
    };
  };
  return api as unknown as BatchDeskApi;
}

/** Subscribes to the web transport's reconnect signal; a no-op on transports without one. */
export function onReconnect(api: BatchDeskApi, listener: () => void): () => void {
  if ((api as unknown as { transport?: string }).transport !== 'web') return () => {};
  return (api.subscribe as unknown as (e: string, l: () => void) => () => void)('__reconnected', listener);
}

/** A task of its own, soon: a MessageChannel's message (setTimeout would be clamped to 4 ms when nested). */
function taskScheduler(): (task: () => void) => void {
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => queue.shift()?.();
  return (task) => {
    queue.push(task);
    channel.port2.postMessage(null);
  };
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function isResult(body: unknown): body is Result<unknown> {
  if (!body || typeof body !== 'object') return false;
  const b = body as { ok?: unknown; error?: unknown };
  return b.ok === true || (b.ok === false && typeof b.error === 'object' && b.error !== null);
}

export type { EventChannels };
