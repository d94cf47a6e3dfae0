// Webhook delivery (guide §8). Only loopback URLs are ever contacted; any other
// URL is recorded as `skipped-non-loopback` and nothing is sent.

import { randomUUID } from 'node:crypto';

export interface WebhookDelivery {
  url: string;
  /** payload of the last attempt (snake_case, as sent) */
  payload: Record<string, unknown>;
  attempts: number;
  /** HTTP status of the last attempt, null if it failed at the transport level or was skipped */
  lastStatus: number | null;
  state: 'pending' | 'delivered' | 'failed' | 'skipped-non-loopback';
  createdAt: string;
}

export const WEBHOOK_MAX_ATTEMPTS = 3;
export const WEBHOOK_RETRY_MS = 1000;

function isLoopback(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

export class Webhooks {
  readonly deliveries: WebhookDelivery[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly workspace: string,
    private readonly timeScale: () => number,
  ) {}

  /** Queue one notification; `body` gets `event_id` and `delivery_attempt` added. */
  send(url: string, body: Record<string, unknown>): void {
    const d: WebhookDelivery = {
      url,
      payload: { ...body, event_id: randomUUID(), delivery_attempt: 1 },
      attempts: 0,
      lastStatus: null,
      state: 'pending',
      createdAt: new Date().toISOString(),
    };
    this.deliveries.push(d);
    if (!isLoopback(url)) {
      d.state = 'skipped-non-loopback';
      return;
    }
    void this.attempt(d);
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    if (this.stopped) return;
    d.attempts++;
    d.payload = { ...d.payload, delivery_attempt: d.attempts };
    try {
      const r = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer rf_${this.workspace}` },
        body: JSON.stringify(d.payload),
        signal: AbortSignal.timeout(10_000),
      });
      await r.arrayBuffer().catch(() => undefined);
      d.lastStatus = r.status;
      if (r.ok) {
        d.state = 'delivered';
        return;
      }
    } catch {
      d.lastStatus = null;
    }
    if (d.attempts >= WEBHOOK_MAX_ATTEMPTS || this.stopped) {
      d.state = 'failed';
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.attempt(d);
    }, WEBHOOK_RETRY_MS * this.timeScale());
    this.timers.add(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
