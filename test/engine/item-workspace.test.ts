// An item belongs to the workspace it first connected to. When the key in use changes under it (the
// active profile switched, a memory-only key gone after a restart, the command line with another
// key), its next remote work is refused with a sentence naming both workspaces, and nothing reaches
// the other workspace; back on a key of its own workspace, it finishes. Two emulators, one
// workspace each ("acme" and "other"), each with its own key.

import fs from 'node:fs';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator, type Emulator } from '../emulator/server';
import { memoryKeychain, testApp } from '../host/fixture';
import { FAST, FAST_POLL, makeTree, readResults } from '../jobs/helpers';
import type { ItemSummary, ProfileSummary } from '../../shared/domain';
import type { Result } from '../../shared/result';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { readJobStates } from '../../main/engine/jobs/job-journal';
import { createCliEngine } from '../../main/cli/engine-factory';

const scratch = useScratch();

const KEY_ACME = 'key-of-acme';
const KEY_OTHER = 'key-of-other';
const REFUSED =
  'This item belongs to workspace "acme"; the API key in use is for "other". ' +
  'Switch to a profile of "acme" (Settings › Profiles, or ROBOFLOW_API_KEY on the command line), then retry.';

async function twoWorkspaces(timeScale = 0.2): Promise<{ acme: Emulator; other: Emulator }> {
  // acme's job runs for about a second and a half after it starts (a fifth of real time)
  const acme = scratch.server(await startEmulator({ apiKeys: [KEY_ACME], workspace: 'acme', timeScale }));
  const other = scratch.server(await startEmulator({ apiKeys: [KEY_OTHER], workspace: 'other', timeScale: 0 }));
  return { acme, other };
}

/** Workspace "other" was asked nothing but which workspace its key is of (checking the profile). */
function expectUntouched(other: Emulator): void {
  expect(other.inspect.batches()).toEqual([]);
  expect(other.inspect.uploads()).toEqual([]);
  expect(other.inspect.jobs()).toEqual([]);
  const asked = Object.entries(other.inspect.requests())
    .filter(([route, s]) => route !== 'resolve-workspace' && s.attempts > 0)
    .map(([route]) => route);
  expect(asked).toEqual([]);
}

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function steps() {
  return [...createIngestSteps(FAST), ...createJobSteps({ pollTimings: FAST_POLL })];
}

function itemJson(dataDir: string, id: string): { workspace?: string } {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'items', id, 'item.json'), 'utf8')) as { workspace?: string };
}

it('an item whose job runs in one workspace is never cancelled, polled or resumed with another workspace’s key', async () => {
  const { acme, other } = await twoWorkspaces();
  const root = scratch.dir('ws-src');
  makeTree(root, 20, { dirs: 2 });
  const outDir = scratch.dir('ws-out');
  const app = testApp({ steps: steps() });
  try {
    const b = value<ProfileSummary>(await app.host.invoke('profiles:add', { name: 'Other', apiKey: KEY_OTHER, apiUrl: other.url, storage: 'keychain' }));
    const a = value<ProfileSummary>(await app.host.invoke('profiles:add', { name: 'Acme', apiKey: KEY_ACME, apiUrl: acme.url, storage: 'keychain' }));
    expect(a.active).toBe(true);

    const { id } = value<ItemSummary>(await app.host.invoke('queue:add', { roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir }));
    await vi.waitFor(() => expect(readJobStates(app.engine.itemDir(id)).some((j) => j.created)).toBe(true), { timeout: 30_000, interval: 10 });
    expect(app.engine.get(id)!.workspace).toBe('acme');
    expect(itemJson(app.dataDir, id).workspace).toBe('acme');

    value(await app.host.invoke('profiles:select', { id: b.id }));

    // Cancel would abort the job: asked of "other", it would get 404 and pass for "no job yet".
    const cancel = await app.host.invoke('item:cancel', { id });
    expect(cancel.ok).toBe(false);
    if (!cancel.ok) expect(cancel.error).toMatchObject({ code: 'conflict', message: REFUSED });
    expect(app.engine.get(id)!.state).not.toBe('cancelled');
    expect(acme.inspect.jobs()).toMatchObject([{ createCalls: 1, aborts: 0 }]);

    // Abort and restart are refused the same way.
    for (const [channel, args] of [['item:abort-job', { id }], ['item:restart-job', { id, overrides: {} }]] as const) {
      const r = await app.host.invoke(channel, args);
      expect(r.ok ? 'accepted' : r.error.message).toBe(REFUSED);
    }

    // Paused and resumed, the processing step connects again: refused, the item fails with the sentence.
    value(await app.host.invoke('item:pause', { id }));
    value(await app.host.invoke('item:resume', { id }));
    const failed = await app.engine.waitFor(id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'conflict', message: REFUSED });
    expect(failed.workspace).toBe('acme');
    expectUntouched(other);

    // Back on acme's profile, a retry finishes it there, with the one job.
    value(await app.host.invoke('profiles:select', { id: a.id }));
    value(await app.host.invoke('item:retry', { id }));
    const done = await app.engine.waitFor(id);
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');
    expect(acme.inspect.jobs()).toMatchObject([{ createCalls: 1, aborts: 0 }]);
    expect(readResults(outDir)).toHaveLength(20);
    expectUntouched(other);
  } finally {
    await app.close();
  }
});

it('an item ingested into one workspace does not start its job in another', async () => {
  const { acme, other } = await twoWorkspaces(0);
  const root = scratch.dir('ws-ingest-src');
  makeTree(root, 12, { dirs: 2 });
  const app = testApp({ steps: steps() });
  try {
    const b = value<ProfileSummary>(await app.host.invoke('profiles:add', { name: 'Other', apiKey: KEY_OTHER, apiUrl: other.url, storage: 'keychain' }));
    const a = value<ProfileSummary>(await app.host.invoke('profiles:add', { name: 'Acme', apiKey: KEY_ACME, apiUrl: acme.url, storage: 'keychain' }));
    const { id } = value<ItemSummary>(await app.host.invoke('queue:add', { roots: [root], pipeline: 'ingest' }));
    const ingested = await app.engine.waitFor(id);
    expect(ingested.state).toBe('done');
    expect(ingested.workspace).toBe('acme');
    expect(acme.inspect.batches()).toHaveLength(1);

    value(await app.host.invoke('profiles:select', { id: b.id }));
    const outDir = scratch.dir('ws-ingest-out');
    value(await app.host.invoke('item:start-job', { id, job: { workflowId: 'wf' }, outDir }));
    const failed = await app.engine.waitFor(id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.message).toBe(REFUSED);
    expectUntouched(other);
    expect(acme.inspect.jobs()).toEqual([]);

    value(await app.host.invoke('profiles:select', { id: a.id }));
    value(await app.host.invoke('item:retry', { id }));
    const done = await app.engine.waitFor(id);
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');
    expect(acme.inspect.jobs()).toMatchObject([{ createCalls: 1 }]);
    expect(readResults(outDir)).toHaveLength(12);
    expectUntouched(other);
  } finally {
    await app.close();
  }
});

it('after a restart without its memory-only key, and from the command line with another key, the item waits for its own workspace', async () => {
  const { acme, other } = await twoWorkspaces();
  const root = scratch.dir('ws-restart-src');
  makeTree(root, 16, { dirs: 2 });
  const outDir = scratch.dir('ws-restart-out');
  const dataDir = scratch.dir('ws-restart-data');
  const keychain = memoryKeychain();

  // "other" saved in the keychain; "acme" kept in memory only, active while the job starts.
  const first = testApp({ steps: steps(), dataDir, keychain });
  let id: string;
  try {
    value(await first.host.invoke('profiles:add', { name: 'Other', apiKey: KEY_OTHER, apiUrl: other.url, storage: 'keychain' }));
    value(await first.host.invoke('profiles:add', { name: 'Acme', apiKey: KEY_ACME, apiUrl: acme.url, storage: 'memory' }));
    id = value<ItemSummary>(await first.host.invoke('queue:add', { roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir })).id;
    await vi.waitFor(() => expect(readJobStates(first.engine.itemDir(id)).some((j) => j.created)).toBe(true), { timeout: 30_000, interval: 10 });
  } finally {
    await first.close(); // the item stays in processing, resumed at the next start
  }

  // The app again: the memory-only key is gone, "other" is the only profile left.
  const second = testApp({ steps: steps(), dataDir, keychain });
  try {
    const resumed = await second.engine.waitFor(id);
    expect(resumed.state).toBe('failed');
    expect(resumed.error?.message).toBe(REFUSED);
  } finally {
    await second.close();
  }
  expectUntouched(other);

  // The command line with "other"'s key: refused the same way.
  const env = { ROBOFLOW_API_KEY: KEY_OTHER, BATCH_DESK_POLL_MIN_MS: '5', BATCH_DESK_POLL_MAX_MS: '40' };
  const wrong = createCliEngine({ apiUrl: other.url, dataDir, json: true }, env);
  try {
    wrong.engine.retry(id);
    const s = await wrong.engine.waitFor(id);
    expect(s.state).toBe('failed');
    expect(s.error?.message).toBe(REFUSED);
  } finally {
    await wrong.close();
  }
  expectUntouched(other);

  // With acme's key it finishes, on the job it had started.
  const right = createCliEngine({ apiUrl: acme.url, dataDir, json: true }, { ...env, ROBOFLOW_API_KEY: KEY_ACME });
  try {
    right.engine.retry(id);
    const s = await right.engine.waitFor(id);
    expect(s.error?.message).toBeUndefined();
    expect(s.state).toBe('done');
  } finally {
    await right.close();
  }
  expect(acme.inspect.jobs()).toMatchObject([{ createCalls: 1, aborts: 0 }]);
  expect(readResults(outDir)).toHaveLength(16);
  expectUntouched(other);
});

it('an item recorded before workspaces were kept takes the workspace of its next connection, and keeps it', async () => {
  const { acme, other } = await twoWorkspaces(0);
  const root = scratch.dir('ws-legacy-src');
  makeTree(root, 8, { dirs: 2 });
  const dataDir = scratch.dir('ws-legacy-data');
  const keychain = memoryKeychain();
  const first = testApp({ steps: steps(), dataDir, keychain });
  let id: string;
  let b: ProfileSummary;
  try {
    b = value<ProfileSummary>(await first.host.invoke('profiles:add', { name: 'Other', apiKey: KEY_OTHER, apiUrl: other.url, storage: 'keychain' }));
    value(await first.host.invoke('profiles:add', { name: 'Acme', apiKey: KEY_ACME, apiUrl: acme.url, storage: 'keychain' }));
    id = value<ItemSummary>(await first.host.invoke('queue:add', { roots: [root], pipeline: 'ingest' })).id;
    expect((await first.engine.waitFor(id)).state).toBe('done');
  } finally {
    await first.close();
  }
  // As an older Batch Desk wrote it: no workspace.
  const file = path.join(dataDir, 'items', id, 'item.json');
  const { workspace, ...legacy } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(workspace).toBe('acme');
  fs.writeFileSync(file, JSON.stringify(legacy));

  const second = testApp({ steps: steps(), dataDir, keychain });
  try {
    expect(second.engine.get(id)!.workspace).toBeUndefined();
    const outDir = scratch.dir('ws-legacy-out');
    value(await second.host.invoke('item:start-job', { id, job: { workflowId: 'wf' }, outDir }));
    const done = await second.engine.waitFor(id);
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');
    expect(done.workspace).toBe('acme');
    expect(itemJson(dataDir, id).workspace).toBe('acme');

    value(await second.host.invoke('profiles:select', { id: b!.id }));
    const restart = await second.host.invoke('item:restart-job', { id, overrides: {} });
    expect(restart.ok ? 'accepted' : restart.error.message).toBe(REFUSED);
  } finally {
    await second.close();
  }
  expectUntouched(other);
});
