// `npm run demo` as an operator uses it: the script prints a URL and a samples folder; the offline
// demo profile is offered and works; the samples ingest with the two planted rejections.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webClient, type EventStream } from './web-client';

let demo: ChildProcess;
let out = '';
let client: ReturnType<typeof webClient>;
let samples: string;
let stream: EventStream;

beforeAll(async () => {
  demo = spawn(process.execPath, ['scripts/demo.mjs', '--images', '24'], { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c;
      if (/Press Ctrl-C/.test(out)) resolve();
    };
    demo.stdout!.on('data', onData);
    demo.stderr!.on('data', onData);
    demo.on('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)));
  });
  const url = /Open:\s+(http:\/\/\S+)/.exec(out)![1]!;
  samples = /Samples:\s+(\S+)/.exec(out)![1]!;
  const u = new URL(url);
  client = webClient(`${u.origin}/`, u.searchParams.get('token')!);
  stream = await client.events();
});

afterAll(async () => {
  stream?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGINT');
    await new Promise((r) => demo.once('exit', r));
  }
  const work = /demo folder stays for you to look at: (\S+)/.exec(out)?.[1];
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('prints where to go and what to add', () => {
    expect(out).toMatch(/Open:\s+http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(fs.readdirSync(samples).sort()).toEqual(['camera-a', 'camera-b', 'camera-c']);
  });

  it('offers the offline demo profile, and it ingests the samples with their rejections', async () => {
    expect((await client.invoke('app:info')).value.demoAvailable).toBe(true);
    const profile = await client.invoke('profiles:use-demo');
    expect(profile.ok, JSON.stringify(profile)).toBe(true);
    expect(profile.value).toMatchObject({ workspace: 'demo', storage: 'environment', active: true });

    const preview = await client.invoke('queue:preview', { paths: [samples] });
    expect(preview.value).toMatchObject({ images: 25, files: 25 }); // 24 + the empty .png (counted by name)

    const added = await client.invoke('queue:add', { roots: [samples], pipeline: 'ingest' });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    const end = await stream.waitFor(
      (e) => e.event === 'queue:item' && (e.data as any).id === added.value.id && ['done', 'failed'].includes((e.data as any).state),
      60_000,
    );
    expect((end.data as any).state, JSON.stringify(end.data)).toBe('done');
    const csv = await client.invoke('item:rejections-csv', { id: added.value.id });
    expect(csv.value).toMatch(/truncated\.png/);
    expect(csv.value).toMatch(/notes\.txt/);
  });
});
