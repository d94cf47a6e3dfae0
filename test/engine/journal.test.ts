// The journal's asynchronous appends: what was promised durable is on disk, in the order it was
// appended, however many arrive at once; and a journal closed while writes are under way finishes
// them before another one opens the same file, so no two writers ever interleave.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Journal, readRecords, replayRecords } from '../../main/engine/journal';
import { openAfterClose, openOn } from '../helpers/open-files';
import { useScratch } from '../helpers/scratch';

const scratch = useScratch();

describe('Journal.appendDurably', () => {
  it('has every record on disk, in append order, once its promise resolves', async () => {
    const file = path.join(scratch.dir('bd-journal-'), 'j.jsonl');
    const journal = Journal.open<{ n: number }>(file);
    const seenOnDisk: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        journal.appendDurably({ n }).then(() => {
          // resolved: this record (and every one before it) is in the file already
          seenOnDisk.push(readRecords<{ n: number }>(file).length > n ? n : -1);
        }),
      ),
    );
    expect(seenOnDisk).not.toContain(-1);
    expect(readRecords<{ n: number }>(file).map((r) => r.n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    await journal.close();
  });

  it('closes only after the writes under way, so the next writer appends after them', async () => {
    const file = path.join(scratch.dir('bd-journal-'), 'j.jsonl');
    const first = Journal.open<{ w: string; n: number }>(file);
    const pending = Array.from({ length: 50 }, (_, n) => first.appendDurably({ w: 'first', n }));
    await first.close();
    const second = Journal.open<{ w: string; n: number }>(file);
    second.append({ w: 'second', n: 0 });
    await second.close();
    await Promise.all(pending);
    const records = readRecords<{ w: string; n: number }>(file);
    expect(records).toHaveLength(51);
    expect(records.at(-1)).toEqual({ w: 'second', n: 0 });
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('refuses a synchronous append while asynchronous ones are under way', async () => {
    const file = path.join(scratch.dir('bd-journal-'), 'j.jsonl');
    const journal = Journal.open<{ n: number }>(file);
    const pending = journal.appendDurably({ n: 1 });
    expect(() => journal.append({ n: 2 })).toThrow(/under way/);
    await pending;
    journal.append({ n: 2 });
    await journal.close();
    expect(readRecords<{ n: number }>(file).map((r) => r.n)).toEqual([1, 2]);
  });
});

describe('a write that fails', () => {
  /** Fails the next write halfway through its line, as a disk filling up does. */
  function fillDiskMidLine() {
    const realWrite = fs.write;
    const write = vi.spyOn(fs, 'write').mockImplementationOnce(((fd: number, buf: Buffer, off: number, len: number, pos: null, cb: (err: Error | null, n: number) => void) =>
      realWrite(fd, buf, off, Math.floor(len / 2), pos, (err, n) => {
        if (err) return cb(err, 0);
        write.mockImplementationOnce(((...args: unknown[]) => (args.at(-1) as (e: Error) => void)(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))) as typeof fs.write);
        cb(null, n);
      })) as typeof fs.write);
    return write;
  }

  it('leaves nothing of its line behind, so the records after it, once space is back, are read back', async () => {
    const file = path.join(scratch.dir('bd-journal-'), 'j.jsonl');
    const journal = Journal.open<{ n: number }>(file);
    await journal.appendDurably({ n: 1 });
    const write = fillDiskMidLine();
    await expect(journal.appendDurably({ n: 2 })).rejects.toThrow(/ENOSPC/);
    write.mockRestore();
    // Space is back: the journal goes on (a watch keeps its journal open for days).
    await journal.appendDurably({ n: 3 });
    journal.append({ n: 4 });
    await journal.close();
    expect(readRecords<{ n: number }>(file).map((r) => r.n)).toEqual([1, 3, 4]);
  });

  it('writes nothing more when what the failed write left cannot be removed', async () => {
    const file = path.join(scratch.dir('bd-journal-'), 'j.jsonl');
    const journal = Journal.open<{ n: number }>(file);
    await journal.appendDurably({ n: 1 });
    const write = fillDiskMidLine();
    const truncate = vi.spyOn(fs, 'ftruncateSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
    });
    await expect(journal.appendDurably({ n: 2 })).rejects.toThrow(/ENOSPC/);
    write.mockRestore();
    truncate.mockRestore();
    // An append either fails or is read back, never reported durable and then lost on the torn line.
    await expect(journal.appendDurably({ n: 3 })).rejects.toThrow(/EIO/);
    expect(() => journal.append({ n: 4 })).toThrow(/EIO/);
    await journal.close();
    expect(readRecords<{ n: number }>(file).map((r) => r.n)).toEqual([1]);
    // Opened again, the torn line is dropped and the journal takes records again.
    const reopened = Journal.open<{ n: number }>(file);
    await reopened.appendDurably({ n: 5 });
    await reopened.close();
    expect(readRecords<{ n: number }>(file).map((r) => r.n)).toEqual([1, 5]);
  });
});

describe('replayRecords', () => {
  it('closes the file when the reader stops early', async () => {
    const file = path.join(scratch.dir('replay-fd'), 'big.jsonl');
    // Larger than what is read ahead, so it is not read to its end (which would close it anyway).
    fs.writeFileSync(file, Array.from({ length: 20000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(100) }) + '\n').join(''));
    for await (const r of replayRecords<{ i: number }>(file)) {
      expect(r.i).toBe(0);
      await new Promise((res) => setTimeout(res, 50)); // busy with the record while the reader reads ahead
      expect(openOn(file)).toBe(1);
      break; // an upload paused or cancelled midway
    }
    expect(await openAfterClose(file)).toBe(0);
  });
});
