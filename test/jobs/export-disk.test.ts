// A full disk during export: a clear error, and nothing half-written left looking complete.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator } from '../emulator/server';
import { KEY, client as emuClient, minimalJob, start, uploadShard, waitTerminal } from '../emulator/testkit';
import { makePngSet } from '../emulator/fixtures';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { exportBatch, fileKey, type ExportJournalRecord } from '../../main/engine/export/exporter';
import { toAppError } from '../../main/engine/pipeline/engine';
import { Journal, readRecords } from '../../main/engine/journal';
import { expiryWarning } from '../../main/engine/jobs/expiry';

let emu: Emulator | undefined;
const scratch = useScratch();

describe('export to a full disk', () => {
  it('fails with "The disk is full" and leaves no file that looks complete', async () => {
    // /dev/full (Linux) answers every write with ENOSPC: a real full disk, for one file.
    expect(fs.existsSync('/dev/full'), 'this test needs /dev/full (Linux)').toBe(true);
    emu = scratch.server(await start());
    await uploadShard(emuClient(emu), 'disk-batch', makePngSet(40, 'full'));
    const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY, retry: { baseMs: 5, maxMs: 50, maxAttempts: 3 } });
    const dest = scratch.dir('disk-out');
    // Every write into this one file fails the way a full disk does (ENOSPC).
    fs.symlinkSync('/dev/full', path.join(dest, 'full-0007.png.part'));
    const journal = path.join(dest, 'export.jsonl');
    const err = await exportBatch({ staging: client.staging, batchId: 'disk-batch', destDir: dest, journalPath: journal, signal: new AbortController().signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(toAppError(err)).toMatchObject({ code: 'io', message: expect.stringMatching(/^The disk is full/) });
    expect(fs.existsSync(path.join(dest, 'full-0007.png'))).toBe(false);
    const complete = readRecords<{ t: string; rel: string }>(journal).filter((r) => r.t === 'file').map((r) => r.rel);
    expect(complete).not.toContain('full-0007.png');
    // Whatever did complete is whole.
    for (const rel of complete) expect(fs.statSync(path.join(dest, rel)).size).toBeGreaterThan(0);
  });
});

describe('export into a folder it may not write', () => {
  it('fails with "Permission denied" naming the file, and leaves nothing behind', async () => {
    emu = scratch.server(await start());
    await uploadShard(emuClient(emu), 'denied-batch', makePngSet(5, 'denied'));
    const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
    const dest = scratch.dir('denied-out');
    const journalDir = scratch.dir('denied-journal');
    // Root ignores permission bits, so as root the folder is made immutable instead (EPERM).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chattr', ['+i', dest]);
    else fs.chmodSync(dest, 0o555);
    try {
      const err = await exportBatch({
        staging: client.staging,
        batchId: 'denied-batch',
        destDir: dest,
        journalPath: path.join(journalDir, 'export.jsonl'),
        signal: new AbortController().signal,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(toAppError(err)).toMatchObject({ code: 'io', message: expect.stringMatching(new RegExp(`^Permission denied \\(${dest}/denied-\\d+\\.png\\.part\\)`)) });
      expect(fs.readdirSync(dest)).toEqual([]);
      expect(readRecords(path.join(journalDir, 'export.jsonl'))).toEqual([]);
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', dest]);
      else fs.chmodSync(dest, 0o755);
    }
  });
});

describe('export after a power cut', () => {
  // Downloaded files are not fsync'ed one by one (curl and rclone do not either): a power cut can
  // leave a file the journal calls complete shorter than it was, or gone. The next run must notice
  // and fetch exactly those again, and count the rest as done.
  it('fetches again the files the journal calls complete that are short or missing on disk', async () => {
    emu = scratch.server(await start());
    const files = makePngSet(12, 'cut');
    await uploadShard(emuClient(emu), 'cut-batch', files);
    const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
    const dest = scratch.dir('cut-out');
    const journal = path.join(dest, 'export.jsonl');
    const run = () => exportBatch({ staging: client.staging, batchId: 'cut-batch', destDir: dest, journalPath: journal, signal: new AbortController().signal });
    await run();
    const names = files.map((f) => f.name).sort();
    const whole = new Map(names.map((n) => [n, fs.readFileSync(path.join(dest, n))]));
    // What the disk holds after the cut: one file truncated to nothing, one cut in half, one gone.
    fs.truncateSync(path.join(dest, names[0]!), 0);
    fs.truncateSync(path.join(dest, names[1]!), Math.floor(whole.get(names[1]!)!.length / 2));
    fs.rmSync(path.join(dest, names[2]!));
    const requests = () => new Map(emu!.inspect.downloads().filter((d) => d.batchId === 'cut-batch').map((d) => [d.fileName, d.requests]));
    const before = requests();
    const again = await run();
    expect(again.files).toBe(12);
    for (const n of names) expect(fs.readFileSync(path.join(dest, n)).equals(whole.get(n)!), n).toBe(true);
    const after = requests();
    const fetchedAgain = names.filter((n) => after.get(n) !== before.get(n));
    expect(fetchedAgain).toEqual(names.slice(0, 3));
  });
});

/**
 * A job over 300 images (`<tag>-job`), whose export batch is one .tar.gz holding two prediction
 * files, and how to export it (`run`) and count the archive's downloads.
 */
async function archiveJob(tag: string) {
  emu = scratch.server(await start());
  const c = emuClient(emu);
  await uploadShard(c, `${tag}-in`, makePngSet(300, tag));
  expect((await c.post(c.bp(`/${tag}-job`), { json: minimalJob(`${tag}-in`) })).status).toBe(200);
  expect((await waitTerminal(c, `${tag}-job`)).error).toBe(false);
  const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
  const dest = scratch.dir(`${tag}-out`);
  const journal = path.join(scratch.dir(`${tag}-journal`), 'export.jsonl');
  const run = () => exportBatch({ staging: client.staging, batchId: `${tag}-job-export`, destDir: dest, journalPath: journal, signal: new AbortController().signal });
  const archiveRequests = () => emu!.inspect.downloads().find((d) => d.fileName === 'export-1.tar.gz')?.requests ?? 0;
  return { client, dest, journal, run, archiveRequests };
}

describe('export resume after extracted files were lost', () => {
  // A job's results come as .tar.gz archives, deleted once extracted: the journal calls them done,
  // but the predictions live only in the extracted files. A resume must check those too.
  const exportedJob = async () => {
    const { dest, run, archiveRequests } = await archiveJob('lost');
    await run();
    const names = ['predictions-1.jsonl', 'predictions-2.jsonl'].map((n) => path.join(dest, 'export', 'predictions', n));
    const whole = names.map((n) => fs.readFileSync(n));
    expect(fs.existsSync(path.join(dest, 'export', 'export-1.tar.gz'))).toBe(false); // deleted once extracted
    // One predictions file deleted, the other cut short.
    fs.rmSync(names[0]!);
    fs.truncateSync(names[1]!, 10);
    return { run, names, whole, archiveRequests };
  };

  it('fetches and extracts the archive again, restoring every prediction', async () => {
    const { run, names, whole, archiveRequests } = await exportedJob();
    const before = archiveRequests();
    await run();
    expect(archiveRequests()).toBe(before + 1);
    names.forEach((n, i) => expect(fs.readFileSync(n).equals(whole[i]!), n).toBe(true));
  });

  it('names the missing files when the archive cannot be fetched again', async () => {
    const { run } = await exportedJob();
    emu!.setFaults({ rules: [{ route: 'storage-get', kind: 'status', status: 404 }] });
    const err = await run().then(
      () => null,
      (e: unknown) => e,
    );
    const message = toAppError(err).message;
    expect(message).toMatch(/^Extracted files are missing/);
    for (const n of ['predictions-1.jsonl', 'predictions-2.jsonl']) expect(message).toContain(`export/predictions/${n}`);
  });
});

describe('export of an archive whose bytes are damaged', () => {
  // Its size is right, so no size check sees it: a body damaged in transit, or a copy a power cut
  // left zero-filled after the journal called it complete. Extracting it fails ("invalid stored
  // block lengths"); it must be fetched again, not extracted again on every retry forever.
  const job = async () => {
    const { client, dest, journal, run, archiveRequests } = await archiveJob('dmg');
    const predictionRows = () =>
      ['predictions-1.jsonl', 'predictions-2.jsonl'].flatMap((n) => fs.readFileSync(path.join(dest, 'export', 'predictions', n), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown));
    return { client, dest, journal, run, archiveRequests, predictionRows };
  };

  it('is downloaded again when it arrives damaged, and the export completes in the same run', async () => {
    const { run, archiveRequests, predictionRows } = await job();
    emu!.setFaults({ rules: [{ route: 'storage-get', kind: 'corrupt', afterBytes: 100, times: 1 }] });
    await run();
    expect(archiveRequests()).toBe(2);
    expect(predictionRows()).toHaveLength(300);
  });

  it('is downloaded again on resume when the journal calls it complete but a power cut zeroed it', async () => {
    const { client, dest, journal, run, archiveRequests, predictionRows } = await job();
    // The state a power cut leaves: the `file` record synced, the archive's size kept, its data not.
    const [f] = (await client.staging.listContent('dmg-job-export', { partName: 'export' })).items;
    const bytes = Buffer.from(await (await fetch(f!.downloadURL)).arrayBuffer());
    bytes.fill(0, 100);
    fs.mkdirSync(path.join(dest, 'export'), { recursive: true });
    fs.writeFileSync(path.join(dest, 'export', 'export-1.tar.gz'), bytes);
    const j = Journal.open<ExportJournalRecord>(journal);
    j.append({ t: 'file', key: fileKey('dmg-job-export', { ...f!, partName: 'export' }), rel: path.join('export', 'export-1.tar.gz'), size: bytes.length, archive: true });
    await j.close();
    const before = archiveRequests();
    await run();
    expect(archiveRequests()).toBe(before + 1);
    expect(predictionRows()).toHaveLength(300);
  });

  it('fails naming the archive and its batch when a fresh copy is damaged too, and a later export fetches it again', async () => {
    const { dest, run, archiveRequests, predictionRows } = await job();
    emu!.setFaults({ rules: [{ route: 'storage-get', kind: 'corrupt', afterBytes: 100 }] });
    const err = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(toAppError(err).message).toMatch(/^The archive export\/export-1\.tar\.gz of batch dmg-job-export is damaged: a fresh download of it could not be extracted either \(.+\)/);
    expect(archiveRequests()).toBe(2); // once, then once more
    expect(fs.existsSync(path.join(dest, 'export', 'export-1.tar.gz'))).toBe(false);
    emu!.setFaults({});
    await run();
    expect(archiveRequests()).toBe(3);
    expect(predictionRows()).toHaveLength(300);
  });
});

describe('export download errors', () => {
  it('name the file and the batch', async () => {
    emu = scratch.server(await start());
    await uploadShard(emuClient(emu), 'gone-batch', makePngSet(1, 'gone'));
    const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
    const dest = scratch.dir('gone-out');
    emu.setFaults({ rules: [{ route: 'storage-get', kind: 'status', status: 404 }] });
    const err = await exportBatch({ staging: client.staging, batchId: 'gone-batch', destDir: dest, journalPath: path.join(dest, 'export.jsonl'), signal: new AbortController().signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(toAppError(err)).toMatchObject({ code: 'remote', message: 'Could not download gone-0000.png of batch gone-batch: the storage answered 404.' });
  });
});

describe('expiry warning', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('warns within 24 hours, not before', () => {
    expect(expiryWarning('Inputs', '2026-01-02T01:00:00Z', now)).toBeNull();
    expect(expiryWarning('Inputs', '2026-01-01T05:00:00Z', now)).toBe('Inputs expire in 5 hours.');
    expect(expiryWarning('Results', '2025-12-31T00:00:00Z', now)).toBe('Results expired at 2025-12-31T00:00:00.000Z.');
  });
});
