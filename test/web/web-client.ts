// A small client of the web protocol (main/web/PROTOCOL.md) for tests: invoke over fetch, and a
// server-sent-events reader (Node 20 has no EventSource).

export interface SseEvent {
  event: string;
  data: unknown;
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
    /** Opens the event stream; `events` fills as they arrive. */
    async events(): Promise<EventStream> {
      return openEventStream(new URL(`api/events?token=${encodeURIComponent(token)}`, base).toString());
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

export async function openEventStream(url: string): Promise<EventStream> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
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
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) events.push({ event, data: JSON.parse(data) });
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
