// The limits a signed URL carries are read tolerantly: their names and units are unconfirmed
// (roboflow-api.md 3.8, 11), so a byte limit too small to be bytes is ignored rather than obeyed
// (a "500" meant as MB would cut every shard into single files), and the limits as sent are logged
// once, without the URL.

import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { parseSignedUrl } from '../../main/engine/roboflow/staging';
import { createLogger } from '../../main/engine/log';
import { Engine } from '../../main/engine/pipeline/engine';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { defaultSettings } from '../../main/engine/settings';
import { SERVICE_BYTE_LIMIT_FLOOR } from '../../shared/limits';
import { FAST, KEY, makeTree, startEmu } from './helpers';

const scratch = useScratch();
const URL_ONLY = { uploadURL: 'https://storage.example/up/x?sig=secret', extensionHeaders: {} };

describe('signed URL limits', () => {
  it('ignores a byte limit below the floor, whatever its name', () => {
    for (const name of ['maxFileSize', 'maxFileSizeBytes', 'maxArchiveSizeBytes', 'maxSizeBytes']) {
      const url = parseSignedUrl({ signedURLDetails: { ...URL_ONLY, [name]: 500 } });
      expect(url.maxFileSizeBytes, name).toBeUndefined();
      expect(url.rawLimits).toEqual({ [name]: 500 });
    }
    expect(parseSignedUrl({ signedURLDetails: { ...URL_ONLY, maxFileSize: SERVICE_BYTE_LIMIT_FLOOR - 1 } }).maxFileSizeBytes).toBeUndefined();
  });

  it('takes a byte limit at or above the floor, and file counts as sent', () => {
    const url = parseSignedUrl({ signedURLDetails: { ...URL_ONLY, maxFileSizeBytes: SERVICE_BYTE_LIMIT_FLOOR, maxFilesPerArchive: 500 } });
    expect(url).toMatchObject({ maxFileSizeBytes: SERVICE_BYTE_LIMIT_FLOOR, maxFilesPerArchive: 500 });
    expect(parseSignedUrl({ signedURLDetails: URL_ONLY, maxFileSize: 2 ** 31 }).maxFileSizeBytes).toBe(2 ** 31); // beside the details, too
  });

  it('keeps only limit fields, numbers and short text, for the log', () => {
    const url = parseSignedUrl({
      status: 'ok',
      signedURLDetails: { ...URL_ONLY, method: 'PUT', maxFileSize: '500 MB', maxFiles: 500, maxWhere: 'https://x.example/?sig=1', other: 1 },
    });
    expect(url.rawLimits).toEqual({ maxFileSize: '500 MB', maxFiles: 500 });
    expect(url.maxFileSizeBytes).toBeUndefined(); // "500 MB" is no number of bytes
  });
});

it('logs the limits of the URLs once per kind, never the URL', async () => {
  const emu = scratch.server(await startEmu());
  const src = scratch.dir('limits-src');
  makeTree(src, 30, { bytes: 800 });
  const dataDir = scratch.dir('limits-data');
  const settings = defaultSettings(dataDir);
  settings.transfer = { ...settings.transfer, shardFiles: 10 };
  const lines: string[] = [];
  const engine = new Engine({
    dataDir,
    steps: createIngestSteps(FAST),
    client: () => RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY }),
    settings: () => settings,
    log: createLogger([{ write: (l) => lines.push(l) }]),
  });
  const item = engine.add({ pipeline: 'ingest', roots: [src], batchId: 'limits-batch' });
  const done = await engine.waitFor(item.id);
  await engine.close();
  expect(done.state).toBe('done');
  const logged = lines.filter((l) => l.includes('"signed URL limits"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(logged).toHaveLength(1); // three shards, one line
  expect(logged[0]).toMatchObject({ kind: 'image', sent: { maxFileSizeBytes: 10 * 1024 ** 3, maxFilesPerArchive: 500 }, maxFileSizeBytes: 10 * 1024 ** 3, maxFilesPerArchive: 500 });
  expect(lines.find((l) => l.includes('"signed URL limits"'))).not.toMatch(/_storage|sig=|api_key/);
});
