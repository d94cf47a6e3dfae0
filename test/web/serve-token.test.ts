// `batch-desk serve` as an operator runs it: the real CLI in a child process, real HTTP. The API and
// the event stream refuse requests without the printed token; with it they answer.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed } from '../../main/web/server';

let child: ChildProcess;
let dataDir: string;
let base: string;
let token: string;
let line: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-serve-'));
  child = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, ROBOFLOW_API_KEY: '', BATCH_DESK_DEMO_API_KEY: '', BATCH_DESK_DEMO_API_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const m = /^Batch Desk is running at (http:\/\/127\.0\.0\.1:\d+\/)\?token=([A-Za-z0-9_-]+)$/.exec(line);
  if (!m) throw new Error(`unexpected first line: ${line}`);
  base = m[1]!;
  token = m[2]!;
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await new Promise((r) => child?.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const invoke = (headers: Record<string, string>, query = '') =>
  fetch(`${base}api/invoke/app:info${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

describe('batch-desk serve token', () => {
  it('prints one machine-readable line with a loopback URL and a long random token', () => {
    expect(line).toMatch(/^Batch Desk is running at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses the API without a token (401)', async () => {
    const res = await invoke({});
    expect(res.status).toBe(401);
    const body = (await res.json()) as { ok: boolean; error: { code: string } };
    expect(body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('refuses a wrong token, including one that differs only in its last character (401)', async () => {
    expect((await invoke({ authorization: 'Bearer nope' })).status).toBe(401);
    const nearly = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect((await invoke({ authorization: `Bearer ${nearly}` })).status).toBe(401);
    expect((await invoke({}, `?token=${nearly}`)).status).toBe(401);
  });

  it('answers with the right token (header, or query for the event stream)', async () => {
    const res = await invoke({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; value: { mode: string; dataDir: string } };
    expect(body.ok).toBe(true);
    expect(body.value.mode).toBe('web');
    expect(body.value.dataDir).toBe(dataDir);
  });

  it('refuses the event stream without the token and opens it with it', async () => {
    expect((await fetch(`${base}api/events`)).status).toBe(401);
    expect((await fetch(`${base}api/events?token=wrong`)).status).toBe(401);
    const controller = new AbortController();
    const res = await fetch(`${base}api/events?token=${token}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    controller.abort();
  });

  it('in web mode the folder picker is unsupported (the UI asks for a path)', async () => {
    const res = await fetch(`${base}api/invoke/dialog:pick-folder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('takes the Host a browser sends for the default port, which leaves the port out', () => {
    expect(hostAllowed('127.0.0.1', '127.0.0.1', 80)).toBe(true);
    expect(hostAllowed('localhost:80', '127.0.0.1', 80)).toBe(true);
    expect(hostAllowed('evil.example', '127.0.0.1', 80)).toBe(false);
    expect(hostAllowed('127.0.0.1', '127.0.0.1', 4310)).toBe(false); // any other port must be named
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const port = new URL(base).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/api/invoke/app:info', method: 'POST', headers: { host: `evil.example:${port}`, authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('sends a strict CSP on every answer', async () => {
    const res = await fetch(base);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
  });
});
