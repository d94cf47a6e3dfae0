// The web transport speaks main/web/PROTOCOL.md: POST /api/invoke/<channel> with the bearer token,
// Result envelopes passed through, transport failures turned into readable errors; server-sent events
// dispatched by channel name. Invokes go over real HTTP to a loopback server.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebClient, onReconnect, type EventSourceLike } from '../../renderer/src/transport/web-client';

const seen: { url: string; auth?: string; type?: string; body: string }[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body });
      if (req.headers.authorization !== 'Bearer good-token') {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('no');
        return;
      }
      if (req.url === '/api/invoke/item%3Aget') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: { code: 'not-found', message: 'No such item.' } }));
        return;
      }
      if (req.url === '/api/invoke/item%3Alogs') {
        // the host goes away in the middle of its answer
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"ok":true,"value":[');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (req.url === '/api/invoke/queue%3Alist') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, value: { echo: JSON.parse(body) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('web client invoke', () => {
  it('posts JSON args with the bearer token and returns the envelope', async () => {
    const api = createWebClient({ baseUrl: base, token: 'good-token' });
    const result = await api['item:pause']({ id: 'item-1' });
    expect(result).toEqual({ ok: true, value: { echo: { id: 'item-1' } } });
    expect(seen.at(-1)).toMatchObject({ url: '/api/invoke/item%3Apause', auth: 'Bearer good-token', type: 'application/json', body: '{"id":"item-1"}' });
    expect(await api['item:get']({ id: 'x' })).toEqual({ ok: false, error: { code: 'not-found', message: 'No such item.' } });
  });

  it('turns a wrong token, an odd answer and a dead host into plain errors', async () => {
    const wrong = await createWebClient({ baseUrl: base, token: 'stale' })['app:info']({});
    expect(wrong.ok === false && wrong.error.code).toBe('unauthorized');
    expect(wrong.ok === false && wrong.error.message).toMatch(/Open the address printed by `batch-desk serve` again/);

    const odd = await createWebClient({ baseUrl: base, token: 'good-token' })['queue:list']({});
    expect(odd.ok === false && odd.error.code).toBe('internal');
    expect(odd.ok === false && odd.error.detail).toContain('HTTP 502');

    const dead = await createWebClient({ baseUrl: 'http://127.0.0.1:9', token: 'good-token' })['app:info']({});
    expect(dead.ok === false && dead.error).toMatchObject({ code: 'network', retryable: true });

    // cut mid-answer: an error result too, not a rejected promise (which left buttons busy for good)
    const cut = await createWebClient({ baseUrl: base, token: 'good-token' })['item:logs']({ id: 'item-1' });
    expect(cut.ok === false && cut.error).toMatchObject({ code: 'network', retryable: true });
  });
});

type FakeSource = EventSourceLike & { url: string; closed: boolean; readyState: number; fire(type: string, data: string): void };

/** A web client over fake event sources; `tasks` holds what it scheduled, run by the test. */
function clientWithFakeSource() {
  const sources: FakeSource[] = [];
  const tasks: (() => void)[] = [];
  const api = createWebClient({
    baseUrl: base,
    token: 'good/token',
    schedule: (task) => tasks.push(task),
    eventSource: (url) => {
      const handlers = new Map<string, ((e: { data: string }) => void)[]>();
      const source = {
        url,
        closed: false,
        readyState: 1,
        onerror: null as ((e: unknown) => void) | null,
        onopen: null as ((e: unknown) => void) | null,
        addEventListener: (type: string, l: (e: { data: string }) => void) => handlers.set(type, [...(handlers.get(type) ?? []), l]),
        close: () => void (source.closed = true),
        fire: (type: string, data: string) => handlers.get(type)?.forEach((l) => l({ data })),
      };
      sources.push(source);
      return source;
    },
  });
  const runAll = () => {
    while (tasks.length > 0) tasks.shift()!();
  };
  return { api, sources, tasks, runAll };
}

describe('web client events', () => {
  it('opens one event stream with the token, dispatches by channel, and closes it with the last listener', () => {
    const { api, sources, runAll } = clientWithFakeSource();
    const items: unknown[] = [];
    const progress: unknown[] = [];
    let reconnects = 0;
    const off1 = api.subscribe('queue:item', (i) => items.push(i));
    const off2 = api.subscribe('item:progress', (p) => progress.push(p));
    const off3 = onReconnect(api, () => reconnects++);
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe(`${base}/api/events?token=good%2Ftoken`);
    sources[0]!.fire('queue:item', '{"id":"a"}');
    sources[0]!.fire('item:progress', '{"ids":["a"],"rows":[1,0,0,0,0,0,0,0,0,-1],"whole":[]}');
    sources[0]!.fire('queue:item', 'not json');
    runAll();
    expect(items).toEqual([{ id: 'a' }]);
    expect(progress).toEqual([{ ids: ['a'], rows: [1, 0, 0, 0, 0, 0, 0, 0, 0, -1], whole: [] }]);
    sources[0]!.onopen!({});
    sources[0]!.onopen!({}); // a second open is a reconnect: lists must be re-fetched
    runAll();
    expect(reconnects).toBe(1);
    off1();
    off2();
    expect(sources[0]!.closed).toBe(false);
    off3();
    expect(sources[0]!.closed).toBe(true);
  });

  it('says once, as a notice, that the stream is lost for good when the browser stops reconnecting', () => {
    const { api, sources, runAll } = clientWithFakeSource();
    const notices: unknown[] = [];
    api.subscribe('notice', (n) => notices.push(n));
    sources[0]!.readyState = 0; // a dropped connection the browser retries: nothing to say yet
    sources[0]!.onerror!({});
    runAll();
    expect(notices).toEqual([]);
    sources[0]!.readyState = 2; // given up (the restarted host refused the old token)
    sources[0]!.onerror!({});
    sources[0]!.onerror!({});
    runAll();
    expect(notices).toEqual([{ level: 'error', message: expect.stringMatching(/^The connection to Batch Desk was lost for good.*Reload the page/) }]);
  });

  it('delivers a burst of events one per task, in the order they came, so a big network read never blocks the page', () => {
    const { api, sources, tasks } = clientWithFakeSource();
    const seen: string[] = [];
    api.subscribe('queue:item', (i) => seen.push(`item ${(i as { id: string }).id}`));
    api.subscribe('queue:removed', (r) => seen.push(`removed ${r.id}`));
    api.subscribe('item:progress', (p) => seen.push(`progress ${p.ids.join()}`));
    sources[0]!.fire('item:progress', '{"ids":["a"],"rows":[1,0,0,0,0,0,0,0,0,-1],"whole":[]}');
    sources[0]!.fire('queue:item', '{"id":"a"}');
    sources[0]!.fire('queue:removed', '{"id":"a"}');
    expect(seen).toEqual([]); // nothing inside the EventSource's own task
    const delivered: number[] = [];
    while (tasks.length > 0) {
      tasks.shift()!();
      delivered.push(seen.length);
    }
    expect(delivered).toEqual([1, 2, 3]);
    expect(seen).toEqual(['progress a', 'item a', 'removed a']);
  });
});
