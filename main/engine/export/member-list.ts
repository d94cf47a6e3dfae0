// The files an archive's extraction put on disk (path from the export folder, size), kept in a side
// file per archive beside the export journal, one JSON line each, and streamed when a resume checks
// for lost members. An export with persisted image outputs can hold a million members: in the journal
// they would make it ~100 MB and the resume's state hundreds of MB; here memory stays constant.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, syncFileData } from '../atomic-file';
import { LineWriter } from '../line-writer';

export interface Member {
  rel: string;
  size: number;
}

/** The folder holding the member lists of the export journal at `journalPath`. */
export function memberListDir(journalPath: string): string {
  return `${journalPath}.members`;
}

/** A stable name per archive key: extracting the archive again replaces its list (atomically). */
export function memberListName(key: string): string {
  return `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.jsonl`;
}

/**
 * Records, as an extraction goes, the paths it writes (`add`); `commit` then makes the members and
 * their list durable. Only then may the journal say the archive is extracted: its archive is deleted
 * next, so a member lost to a power cut could not be restored from it, nor a missing list checked.
 */
export class MemberListWriter {
  private readonly listPath: string;
  /** The extraction's paths, in order; sizes are read once it is over (a later member may replace an earlier one). */
  private readonly paths: LineWriter;

  constructor(
    journalPath: string,
    readonly listName: string,
    private readonly root: string,
  ) {
    const dir = memberListDir(journalPath);
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      fsyncDir(path.dirname(dir));
    }
    this.listPath = path.join(dir, listName);
    this.paths = new LineWriter(`${this.listPath}.paths`);
  }

  /** An extracted file (absolute path, inside root). */
  add(file: string): void {
    this.paths.write(path.relative(this.root, file));
  }

  /**
   * fdatasyncs every member (a few at a time; symlinks have nothing to sync), writes the list with
   * each member's size as it is now, fsyncs it and renames it into place. Durable on return.
   */
  async commit(): Promise<void> {
    this.paths.close(false);
    const tmp = `${this.listPath}.tmp`;
    const list = new LineWriter(tmp);
    const syncing = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    try {
      for await (const lines of lineBatches(this.paths.filePath)) {
        for (const line of lines) {
          const rel = JSON.parse(line) as string;
          const file = path.join(this.root, rel);
          const stat = fs.lstatSync(file);
          list.write({ rel, size: stat.size } satisfies Member);
          if (stat.isSymbolicLink()) continue;
          while (syncing.size >= 4) await Promise.race(syncing);
          if (failure) throw failure.err;
          const s: Promise<void> = syncFileData(file).then(
            () => void syncing.delete(s),
            (err: unknown) => {
              syncing.delete(s);
              failure ??= { err };
            },
          );
          syncing.add(s);
        }
      }
      await Promise.all(syncing);
      if (failure) throw failure.err;
      list.close(true);
    } catch (err) {
      await Promise.all(syncing);
      list.abandon();
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.renameSync(tmp, this.listPath);
    fsyncDir(path.dirname(this.listPath));
    fs.rmSync(this.paths.filePath, { force: true });
  }

  /** After a failed extraction: nothing of it is kept. */
  discard(): void {
    this.paths.abandon();
    fs.rmSync(this.paths.filePath, { force: true });
  }
}

/** Members gone or short on disk: the first few, to name them, and how many. */
export interface LostMembers {
  first: string[];
  count: number;
}

const NAMED = 10;

/** Checks `members` (lstat: a symlink's own size is what was recorded); null when none is lost. */
export function findLost(members: Iterable<Member>, root: string, lost: LostMembers = { first: [], count: 0 }): LostMembers | null {
  for (const m of members) {
    if (linkSize(path.join(root, m.rel)) === m.size) continue;
    if (lost.first.length < NAMED) lost.first.push(m.rel);
    lost.count++;
  }
  return lost.count ? lost : null;
}

/** Streams the side file `listName` through findLost; nothing is checked when the file is gone. */
export async function findLostInList(journalPath: string, listName: string, root: string): Promise<LostMembers | null> {
  const lost: LostMembers = { first: [], count: 0 };
  for await (const lines of lineBatches(path.join(memberListDir(journalPath), listName))) {
    findLost(
      lines.map((l) => JSON.parse(l) as Member),
      root,
      lost,
    );
  }
  return lost.count ? lost : null;
}

/** Read a chunk of this many characters at a time. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The non-empty lines of a file a read chunk at a time (nothing when it does not exist): constant
 * memory, without readline's per-line cost (a million lines take seconds more with it).
 */
async function* lineBatches(filePath: string): AsyncIterable<string[]> {
  if (!fs.existsSync(filePath)) return;
  const input = fs.createReadStream(filePath, { encoding: 'utf8', highWaterMark: CHUNK_CHARS });
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      yield lines.filter((l) => l !== '');
    }
  } finally {
    input.destroy();
  }
  if (rest) yield [rest];
}

/** "a, b, c and 12 more" across archives, naming at most ten. */
export function describeLost(lost: Iterable<LostMembers>): string {
  const named: string[] = [];
  let count = 0;
  for (const l of lost) {
    for (const rel of l.first) if (named.length < NAMED) named.push(rel);
    count += l.count;
  }
  return named.join(', ') + (count > named.length ? ` and ${count - named.length} more` : '');
}

function linkSize(p: string): number {
  try {
    return fs.lstatSync(p).size;
  } catch {
    return -1;
  }
}
