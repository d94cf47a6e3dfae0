// The host's side of renderer-longtask: a server-sent event stream on loopback that makes every item
// report `perItemRate` events a second and sends them as the web host does, through the host's own
// ProgressBatcher (packed batches, shared/progress-batch.ts) and one `item:progress` event per
// batch, ending with a `notice`. The page reads it with the console's web client (a real
// EventSource), so what Chromium and the client do with each message is measured too. The console's
// `progress:focus` (the rows on screen) reaches the batcher as in web mode, posted to
// `/api/invoke/progress:focus`, and as in the host each event is recorded in a ThroughputHistory,
// whose sparklines go with the rows that come into view.

import http from 'node:http';
import type { ItemProgressEvent } from '../../shared/contract';
import { ProgressBatcher } from '../../main/host/progress-batcher';
import { ThroughputHistory } from '../../main/host/throughput-history';

export interface ProgressStream {
  /** The web client's base URL: it connects to `<baseUrl>/api/events`. */
  baseUrl: string;
  /** Sets what the next connection streams. */
  prepare(run: { ids: string[]; perItemRate: number; seconds: number }): void;
  /** Events made by the last run (before the batcher's coalescing), and over how many seconds. */
  made(): { events: number; seconds: number };
  close(): Promise<void>;
}

const BYTES_TOTAL = 9e8;

export async function startProgressStream(): Promise<ProgressStream> {
  let run: { ids: string[]; perItemRate: number; seconds: number } | null = null;
  let made = { events: 0, seconds: 0 };
  /** The console's last focus, and the stream's batcher to give it to. */
  let focus: { viewer: string; ids: string[] } | null = null;
  let streaming: ProgressBatcher | null = null;
  const timers = new Set<ReturnType<typeof setInterval>>();
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/invoke/progress:focus') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        focus = JSON.parse(body) as { viewer: string; ids: string[] };
        streaming?.focus(focus.viewer, focus.ids);
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end(JSON.stringify({ ok: true, value: null }));
      });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'access-control-allow-origin': '*', // the page is a file:// one
    });
    res.write(': connected\n\n');
    if (!run) return void res.end();
    // One stream per run: a reconnect after the end gets nothing.
    const { ids, perItemRate, seconds } = run;
    run = null;
    const throughput = new ThroughputHistory();
    const batcher = new ProgressBatcher((batch) => res.write(`event: item:progress\ndata: ${JSON.stringify(batch)}\n\n`), {
      historyOf: (id) => throughput.get(id),
    });
    streaming = batcher;
    if (focus) batcher.focus(focus.viewer, focus.ids);
    let cursor = 0;
    const eventFor = (elapsed: number): ItemProgressEvent => {
      const id = ids[cursor]!;
      cursor = (cursor + 1) % ids.length;
      const done = Math.floor(Math.min(BYTES_TOTAL, (elapsed * 40e6 + (cursor % 97) * 1e6) % BYTES_TOTAL));
      return {
        id,
        stage: 'upload',
        progress: {
          files: { done: Math.round((done / BYTES_TOTAL) * 5000), total: 5000 },
          bytes: { done, total: BYTES_TOTAL },
          indexed: { done: 0, total: 0 },
          rejected: 0,
          throughput: 38e6 + (cursor % 50) * 1e5,
          etaSeconds: (BYTES_TOTAL - done) / 40e6,
        },
      };
    };
    const start = performance.now();
    made = { events: 0, seconds: 0 };
    let lastAt = start;
    let owed = 0;
    // Owed events follow the clock, so the rate holds whatever the timer's jitter.
    const timer = setInterval(() => {
      const now = performance.now();
      owed += ((now - lastAt) / 1000) * ids.length * perItemRate;
      lastAt = now;
      const elapsed = (now - start) / 1000;
      for (; owed >= 1; owed--) {
        const event = eventFor(elapsed);
        throughput.record(event.id, event.progress.throughput);
        batcher.add(event);
        made.events++;
      }
      made.seconds = elapsed;
      if (now - start >= seconds * 1000) {
        clearInterval(timer);
        timers.delete(timer);
        batcher.close();
        res.end(`event: notice\ndata: ${JSON.stringify({ level: 'info', message: 'The stream is over.' })}\n\n`);
      }
    }, 20);
    timers.add(timer);
    req.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      batcher.close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    prepare: (next) => {
      run = next;
    },
    made: () => made,
    close: async () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
