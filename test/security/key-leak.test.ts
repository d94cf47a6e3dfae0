// The API key never leaves main: a whole pipeline (ingest, job, export) runs through the host against
// the emulator with a distinctive key, over the real web transport. Every payload sent to the UI
// (invoke answers and server-sent events), every log line, and every file in the data folder and
// the output folder is searched for the key, raw and URL-encoded. The search is proven able to find
// it first, on a control file written on purpose.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { createLogger, fileSink } from '../../main/engine/log';
import { startWebServer, type WebServer } from '../../main/web/server';
import { startEmulator, type Emulator } from '../emulator/server';
import { makePng } from '../emulator/fixtures';
import { tempDir, testApp } from '../host/fixture';
import { openEventStream, type EventStream } from '../web/web-client';

// Characters that URL-encode differently (+ / =) so an encoded leak is a different string to find.
const KEY = 'LeakCanary+k3y/9f3a7c1e=Z';
const NEEDLES = [...new Set([KEY, encodeURIComponent(KEY), new URLSearchParams({ k: KEY }).toString().slice(2)])];

let emulator: Emulator;
let app: ReturnType<typeof testApp>;
let server: WebServer;
let stream: EventStream;
const payloads: string[] = [];
const logLines: string[] = [];
let dataDir: string;
let outDir: string;

async function invoke(channel: string, args: unknown = {}) {
  const res = await fetch(new URL(`api/invoke/${channel}`, server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify(args),
  });
  const text = await res.text();
  payloads.push(text);
  return JSON.parse(text) as { ok: boolean; value?: any; error?: { code: string; message: string } };
}

/** Every place the key could be, as text: payloads, log lines, and the bytes of every file under the roots. */
function findKey(roots: string[]): string[] {
  const hits: string[] = [];
  const scan = (where: string, text: string) => {
    for (const n of NEEDLES) if (text.includes(n)) hits.push(`${where} contains ${n === KEY ? 'the key' : 'the URL-encoded key'}`);
  };
  payloads.forEach((p, i) => scan(`payload #${i}`, p));
  stream.raw.forEach((p, i) => scan(`event #${i}`, p));
  logLines.forEach((l, i) => scan(`log line #${i}`, l));
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else if (st.isFile()) scan(p, fs.readFileSync(p).toString('latin1'));
  };
  for (const r of roots) if (fs.existsSync(r)) walk(r);
  return hits;
}

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], timeScale: 0 });
  dataDir = tempDir('bd-leak-data-');
  outDir = path.join(tempDir('bd-leak-out-'), 'results');
  const sinks = [fileSink(path.join(dataDir, 'logs', 'batch-desk.log')), { write: (l: string) => logLines.push(l) }];
  app = testApp({
    dataDir,
    log: createLogger(sinks, 'debug'),
    steps: [
      ...createIngestSteps({ pollMinMs: 20, pollMaxMs: 200, retry: { baseMs: 10, maxMs: 50, maxAttempts: 6 } }),
      ...createJobSteps({ pollTimings: { minMs: 20, maxMs: 200 } }),
    ],
  });
  server = await startWebServer({ host: app.host, log: app.log.child('web') });
  stream = await openEventStream(new URL(`api/events?token=${server.token}`, server.url).toString());
});

afterAll(async () => {
  stream?.close();
  await server?.close();
  await app?.close();
  await emulator?.stop();
});

describe('the API key never leaves main', () => {
  it('runs ingest + job + export, then finds the key nowhere the UI, the logs or the disk can see', async () => {
    const src = tempDir('bd-leak-src-');
    for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(src, `leak-${i}.png`), makePng({ seed: `leak${i}` }));
    fs.writeFileSync(path.join(src, 'empty.png'), ''); // a rejection, so the rejection paths run too
    // A few transient faults so the retry paths (and their log lines) run as well.
    emulator.setFaults({ rules: [{ route: 'bulk-upload-url', kind: 'status', status: 503, times: 2 }, { route: 'get-job', kind: 'status', status: 500, times: 1 }] });

    expect((await invoke('profiles:add', { apiKey: 'WrongKey+0000/x', apiUrl: emulator.url, storage: 'memory' })).error?.code).toBe('unauthorized');
    const profile = await invoke('profiles:add', { name: 'Leak test', apiKey: KEY, apiUrl: emulator.url, storage: 'keychain' });
    expect(profile.ok, JSON.stringify(profile)).toBe(true);
    await invoke('profiles:list');

    const added = await invoke('queue:add', { roots: [src], pipeline: 'full', job: { workflowId: 'leak-workflow' }, outDir });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    const id = added.value.id as string;
    const end = await stream.waitFor(
      (e) => e.event === 'queue:item' && (e.data as any).id === id && ['done', 'failed'].includes((e.data as any).state),
      120_000,
    );
    expect((end.data as any).state, JSON.stringify(end.data)).toBe('done');

    // Everything the UI can ask for about the item.
    await invoke('queue:list');
    await invoke('history:list', {});
    await invoke('item:get', { id });
    await invoke('item:files', { id, offset: 0, limit: 100 });
    await invoke('item:rejections-csv', { id });
    await invoke('item:logs', { id });
    const preview = await invoke('item:results-preview', { id, rows: 50 });
    expect(preview.ok, JSON.stringify(preview)).toBe(true);
    expect(preview.value.totalRows).toBe(13);
    await invoke('item:abort-job', { id }); // an error path: the job has finished
    await invoke('settings:get');
    await invoke('app:info');
    expect(fs.existsSync(path.join(outDir, 'results.jsonl')) || fs.readdirSync(outDir).length > 0).toBe(true);

    // The search can find the key: a control file written on purpose is caught, then removed.
    const control = path.join(dataDir, 'control-leak.txt');
    fs.writeFileSync(control, `api_key=${encodeURIComponent(KEY)}`);
    expect(findKey([dataDir])).toEqual([`${control} contains the URL-encoded key`]);
    fs.rmSync(control);

    expect(payloads.length).toBeGreaterThan(10);
    expect(stream.raw.length).toBeGreaterThan(5);
    expect(logLines.length).toBeGreaterThan(0);
    expect(findKey([dataDir, path.dirname(outDir)])).toEqual([]);
  });
});
