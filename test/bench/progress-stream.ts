// The host's side of renderer-longtask: the web host's progress path with an engine that makes every
// item report `perItemRate` events a second. As in the host (main/host/host.ts), one ProgressBatcher
// takes every event from the moment the engine runs, whether or not a console is connected, and each
// packed batch (shared/progress-batch.ts) goes to every connected client as one server-sent
// `item:progress` event; the run ends with a `notice`. The page reads it with the console's web client
// (a real EventSource), so what Chromium and the client do with each message is measured too. The
// console's `progress:focus` (the rows on screen) reaches the batcher as in web mode, posted to
// `/api/invoke/progress:focus`, and as in the host each event is recorded in a ThroughputHistory,
// whose sparklines go with the rows that come into view.

import http from 'node:http';
import type { ItemProgressEvent } from '../../shared/contract';
import { ProgressBatcher } from '../../main/host/progress-batcher';
import { ThroughputHistory } from '../../main/host/throughput-history';

export interface ProgressStream {
  /** The web client's base URL: it connects to `<baseUrl>/api/events`. */
  baseUrl: string;
  /**
   * Starts the engine: from now on every item reports `perItemRate` events a second for `seconds`,
   * into the batcher, which sends to whoever is connected. Resolves when the run is over.
   */
  begin(run: { ids: string[]; perItemRate: number; seconds: number }): Promise<void>;
  /** Events the engine made (before the batcher's coalescing), and over how many seconds. */
  made(): { events: number; seconds: number };
  close(): Promise<void>;
}

const BYTES_TOTAL = 9e8;

export async function startProgressStream(): Promise<ProgressStream> {
  let made = { events: 0, seconds: 0 };
  const clients = new Set<http.ServerResponse>();
  const sendToClients = (message: string) => {
    for (const res of clients) res.write(message);
  };
  const throughput = new ThroughputHistory();
  const batcher = new ProgressBatcher((batch) => sendToClients(`event: item:progress\ndata: ${JSON.stringify(batch)}\n\n`), {
    historyOf: (id) => throughput.get(id),
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/invoke/progress:focus') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const focus = JSON.parse(body) as { viewer: string; ids: string[] };
        batcher.focus(focus.viewer, focus.ids);
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
    clients.add(res);
    req.on('close', () => clients.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const begin = ({ ids, perItemRate, seconds }: { ids: string[]; perItemRate: number; seconds: number }) =>
    new Promise<void>((resolve) => {
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
      timer = setInterval(() => {
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
          batcher.close();
          sendToClients(`event: notice\ndata: ${JSON.stringify({ level: 'info', message: 'The run is over.' })}\n\n`);
          resolve();
        }
      }, 20);
    });

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    begin,
    made: () => made,
    close: async () => {
      clearInterval(timer);
      batcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
