// A small client of the web protocol (main/web/PROTOCOL.md) for tests: invoke over fetch, and a
// server-sent-events reader (Node 20 has no EventSource).

export interface SseEvent {
  event: string;
  data: unknown;
  /** The `id:` it came with, if any (what EventSource sends back as Last-Event-ID on reconnect). */
  id?: string;
}

export function webClient(base: string, token: string) {
  return {
    async invoke(channel: string, args: unknown = {}): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
      const res = await fetch(new URL(`api/invoke/${channel}`, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(args),
      });
      return (await res.json()) as never;
    },
    /** Opens the event stream; `events` fills as they arrive. `lastEventId` as a reconnecting EventSource sends it. */
    async events(lastEventId?: string): Promise<EventStream> {
      return openEventStream(new URL(`api/events?token=${encodeURIComponent(token)}`, base).toString(), lastEventId);
    },
  };
}

export interface EventStream {
  events: SseEvent[];
  raw: string[];
  /** Resolves with the first event (already received or future) that matches. */
  waitFor(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openEventStream(url: string, lastEventId?: string): Promise<EventStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const res = await fetch(url, { signal: controller.signal, headers });
  if (res.status !== 200 || !res.body) throw new Error(`event stream answered ${res.status}`);
  const events: SseEvent[] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  const decoder = new TextDecoder();
  let buffer = '';
  (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          raw.push(block);
          let event = 'message';
          let data = '';
          let id: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
            else if (line.startsWith('id: ')) id = line.slice(4);
          }
          if (data) events.push({ event, data: JSON.parse(data), ...(id === undefined ? {} : { id }) });
          for (const w of waiters) w();
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    events,
    raw,
    waitFor(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
