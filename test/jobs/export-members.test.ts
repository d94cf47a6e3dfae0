// An archive of many members (persisted image outputs: up to a million): its member list lives in a
// side file, not in the export journal, so the journal and a resume's memory stay small however many
// members there are; a resume streams the list and still fetches the archive again for a lost member.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { exportBatch, type ExportJournalRecord } from '../../main/engine/export/exporter';
import { memberListDir } from '../../main/engine/export/member-list';
import { readRecords } from '../../main/engine/journal';
import type { StagingApi } from '../../main/engine/roboflow/staging';

const scratch = useScratch();

// Enough to show the journal does not grow with them; extracting a member takes ~1 ms on the build machine.
const MEMBERS = 1_500;
const ARCHIVE = 'images-1.tar.gz';
const memberName = (i: number) => `images/${String(i).padStart(6, '0')}.txt`;

async function manyMemberArchive(n: number): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const gz = pack.pipe(zlib.createGzip());
  gz.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => gz.on('end', resolve));
  for (let i = 0; i < n; i++) pack.entry({ name: memberName(i) }, `${i}\n`);
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A one-archive batch served from a local HTTP server, counting the archive's downloads. */
async function oneArchiveBatch(archive: Buffer) {
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-length': archive.length, 'content-type': 'application/gzip' });
    res.end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scratch.server({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${ARCHIVE}`;
  const staging: Pick<StagingApi, 'getBatch' | 'parts' | 'count' | 'listContent'> = {
    getBatch: async (batchId) => ({ batchId, displayName: batchId, batchType: 'simple-batch', batchContentType: 'archives' }),
    parts: async () => [],
    count: async () => 1,
    listContent: async () => ({ items: [{ downloadURL: url, fileName: ARCHIVE, contentType: 'archives' }], nextPageToken: null }),
  };
  return { staging, requests: () => requests };
}

describe('export of an archive with many members', () => {
  const exported = async (members: number) => {
    const batch = await oneArchiveBatch(await manyMemberArchive(members));
    const dest = scratch.dir('members-out');
    const journal = path.join(scratch.dir('members-journal'), 'export.jsonl');
    const run = () => exportBatch({ staging: batch.staging, batchId: 'many-members', destDir: dest, journalPath: journal, signal: new AbortController().signal });
    await run();
    expect(batch.requests()).toBe(1);
    const member = (i: number) => path.join(dest, memberName(i));
    return { ...batch, dest, journal, run, member };
  };

  it('keeps the member list out of the journal, and a resume fetches the archive again when one member was deleted', async () => {
    const { journal, run, member, requests } = await exported(MEMBERS);
    expect(fs.readFileSync(member(MEMBERS - 1), 'utf8')).toBe(`${MEMBERS - 1}\n`);
    // A few records whatever the number of members (inline, 10,000 members were ~370 KB).
    expect(fs.statSync(journal).size).toBeLessThan(1000);
    const extracted = readRecords<ExportJournalRecord>(journal).find((r) => r.t === 'extracted');
    expect(extracted).toBeDefined();
    expect(extracted).not.toHaveProperty('members');
    const lists = fs.readdirSync(memberListDir(journal));
    expect(lists).toHaveLength(1); // the list alone: no temp file left behind
    const listed = fs.readFileSync(path.join(memberListDir(journal), lists[0]!), 'utf8').trim().split('\n');
    expect(listed).toHaveLength(MEMBERS);

    await run(); // nothing lost: nothing fetched
    expect(requests()).toBe(1);

    fs.rmSync(member(1_234));
    await run();
    expect(requests()).toBe(2);
    expect(fs.readFileSync(member(1_234), 'utf8')).toBe('1234\n');
    expect(fs.statSync(journal).size).toBeLessThan(2000);
  }, 60_000);

  it('still checks the members of a journal written before the side files (inline in its record)', async () => {
    const { journal, run, member, requests } = await exported(500);
    // Rewrite the journal as an earlier version wrote it: the members inline, no side file.
    const dir = memberListDir(journal);
    const legacy = readRecords<ExportJournalRecord>(journal).map((r) => {
      if (r.t !== 'extracted') return r;
      const members = fs.readFileSync(path.join(dir, r.memberList!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rel: string; size: number });
      return { t: r.t, key: r.key, refused: r.refused, members };
    });
    fs.writeFileSync(journal, legacy.map((r) => JSON.stringify(r) + '\n').join(''));
    fs.rmSync(dir, { recursive: true });

    await run(); // nothing lost: nothing fetched
    expect(requests()).toBe(1);

    fs.truncateSync(member(7), 0);
    await run();
    expect(requests()).toBe(2);
    expect(fs.readFileSync(member(7), 'utf8')).toBe('7\n');
    // The archive's new record uses a side file, which the next resume checks.
    expect(readRecords<ExportJournalRecord>(journal).at(-1)).toMatchObject({ t: 'extracted', memberList: expect.any(String) });
    fs.rmSync(member(8));
    await run();
    expect(requests()).toBe(3);
  });
});
