// A multipart batch is exported part by part into <dest>/<part>/, whether or not its listing names
// the part of each file: partName is optional in the listing (roboflow-api.md 3.5).

import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { KEY, client as emuClient, minimalJob, start, uploadShard, waitTerminal } from '../emulator/testkit';
import { makePngSet } from '../emulator/fixtures';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { exportBatch } from '../../main/engine/export/exporter';

const scratch = useScratch();

it('puts each file under the part it was listed in, with the same journal keys as a listing that names it', async () => {
  const emu = scratch.server(await start());
  const c = emuClient(emu);
  await uploadShard(c, 'parts-in', makePngSet(20, 'parts'));
  expect((await c.post(c.bp('/parts-job'), { json: minimalJob('parts-in') })).status).toBe(200);
  expect((await waitTerminal(c, 'parts-job')).error).toBe(false);
  const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
  const listed = (await client.staging.listContent('parts-job-export', { partName: 'export' })).items;
  expect(listed[0]!.partName).toBeUndefined(); // the emulator's default, as the guide allows

  const dest = scratch.dir('parts-out');
  const journal = path.join(scratch.dir('parts-journal'), 'export.jsonl');
  const run = () => exportBatch({ staging: client.staging, batchId: 'parts-job-export', destDir: dest, journalPath: journal, signal: new AbortController().signal });
  await run();
  expect(fs.readdirSync(dest)).toEqual(['export']);
  expect(fs.existsSync(path.join(dest, 'export', 'predictions', 'predictions-1.jsonl'))).toBe(true);

  // A listing that does name the part finds the same files done: nothing is fetched again.
  const archiveRequests = () => emu.inspect.downloads().find((d) => d.fileName === 'export-1.tar.gz')?.requests ?? 0;
  const before = archiveRequests();
  emu.setFaults({ listPartName: true });
  const again = await run();
  expect(again.files).toBe(1);
  expect(archiveRequests()).toBe(before);
});
