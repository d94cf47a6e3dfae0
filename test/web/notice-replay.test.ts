// A browser whose event stream dropped for a moment still gets the notices sent meanwhile: it
// reconnects with the last id it saw (EventSource's Last-Event-ID), and the host sends those first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../main/web/server';
import { NOTICES_KEPT } from '../../main/web/notice-replay';
import { emptyProgress, type ItemSummary } from '../../shared/domain';
import { testApp } from '../host/fixture';
import { webClient, type EventStream, type SseEvent } from './web-client';

let app: ReturnType<typeof testApp>;
let server: WebServer;
let client: ReturnType<typeof webClient>;
const open: EventStream[] = [];

beforeAll(async () => {
  app = testApp();
  server = await startWebServer({ host: app.host });
  client = webClient(server.url, server.token);
});

afterAll(async () => {
  for (const s of open) s.close();
  await server?.close();
  await app?.close();
});

async function connect(lastEventId?: string): Promise<EventStream> {
  const s = await client.events(lastEventId);
  open.push(s);
  return s;
}

/** An item reaching `state`, as the engine tells the host (which turns it into a notice). */
function finish(name: string, state: 'done' | 'failed'): void {
  const summary = { id: `id-${name}`, name, state, progress: emptyProgress(), error: state === 'failed' ? { code: 'x', message: 'disk full' } : undefined };
  app.engine.emit('item', summary as unknown as ItemSummary);
}

const noticeFor = (name: string) => (e: SseEvent) => e.event === 'notice' && (e.data as { message: string }).message.startsWith(`${name} `);
const noticeMessages = (s: EventStream) => s.events.filter((e) => e.event === 'notice').map((e) => (e.data as { message: string }).message);

describe('notices across a dropped event stream', () => {
  it('a reconnect with the last id seen gets the notices it missed, in order, and no earlier ones', async () => {
    const first = await connect();
    finish('cams-a', 'done');
    const seen = await first.waitFor(noticeFor('cams-a'));
    expect(seen.id).toMatch(/\S/);
    first.close();

    // Sent while no browser was connected.
    finish('cams-b', 'failed');
    finish('cams-c', 'done');

    const again = await connect(seen.id);
    await again.waitFor(noticeFor('cams-c'));
    expect(noticeMessages(again)).toEqual(['cams-b failed: disk full', 'cams-c is done.']);

    // Live notices keep coming after the replayed ones.
    finish('cams-d', 'done');
    await again.waitFor(noticeFor('cams-d'));
    expect(noticeMessages(again)).toEqual(['cams-b failed: disk full', 'cams-c is done.', 'cams-d is done.']);
  });

  it('a first connection, or an id from another server run, replays nothing', async () => {
    finish('cams-e', 'done');
    const fresh = await connect();
    const stranger = await connect('0badc0de-1');
    finish('cams-f', 'done');
    await fresh.waitFor(noticeFor('cams-f'));
    await stranger.waitFor(noticeFor('cams-f'));
    expect(noticeMessages(fresh)).toEqual(['cams-f is done.']);
    expect(noticeMessages(stranger)).toEqual(['cams-f is done.']);
  });

  it(`keeps the last ${NOTICES_KEPT} notices only`, async () => {
    const s = await connect();
    finish('cams-g', 'done');
    const last = await s.waitFor(noticeFor('cams-g'));
    s.close();
    for (let i = 0; i < NOTICES_KEPT + 5; i++) finish(`burst-${i}`, 'done');
    const again = await connect(last.id);
    await again.waitFor(noticeFor(`burst-${NOTICES_KEPT + 4}`));
    const got = noticeMessages(again);
    expect(got).toHaveLength(NOTICES_KEPT);
    expect(got[0]).toBe('burst-5 is done.');
  });
});
