// Exports one output batch into a folder: lists its parts and pages through its files, downloads K
// at a time (resumable, see download.ts), extracts archives safely, and journals every completed file
// so a re-run (or a resume after kill -9) skips what is complete and fetches only missing bytes.
// Signed URLs that expire (403) are refreshed by listing the batch again in another pass.

import fs from 'node:fs';
import path from 'node:path';
import type { Counter } from '../../../shared/domain';
import { fsyncDir, syncFileData } from '../atomic-file';
import { Journal, replayRecords } from '../journal';
import { silentLogger, type Logger } from '../log';
import type { FileMetadata, StagingApi } from '../roboflow/staging';
import { ApiError } from '../roboflow/http';
import { DownloadError, UrlExpiredError, downloadToPart } from './download';
import { StorageGetError } from './storage-get';
import { extractArchive, isArchiveName, memberTarget, type RefusedMember } from './extract';
import { RateMeter } from './rate-meter';
import { MemberListWriter, describeLost, findLost, findLostInList, memberListName, type LostMembers, type Member } from './member-list';
import type { BandwidthLimiter } from '../ingest/bandwidth';

export type ExportJournalRecord =
  | { t: 'file'; key: string; rel: string; size: number; archive: boolean }
  // `memberList` names the side file listing the extracted files (see member-list.ts), which a resume
  // checks. Journals written before it hold them inline in `members`; older ones have neither.
  | { t: 'extracted'; key: string; refused: RefusedMember[]; memberList?: string; members?: Member[] }
  // Undoes the key's `file` record: its archive could not be extracted and was deleted.
  | { t: 'discarded'; key: string };

export interface ExportProgress {
  exportFiles: Counter;
  exportBytes: Counter;
  throughput: number;
  etaSeconds: number | null;
}

export interface ExportOptions {
  staging: Pick<StagingApi, 'getBatch' | 'parts' | 'count' | 'listContent'>;
  batchId: string;
  /** Where the files go (`<destDir>/<partName>/<fileName>`). */
  destDir: string;
  journalPath: string;
  /** Parallel downloads (default 8). */
  concurrency?: number;
  signal: AbortSignal;
  log?: Logger;
  onProgress?: (p: ExportProgress) => void;
  /** Passes over the listing to refresh expired URLs before giving up (default 6). */
  maxPasses?: number;
  /**
   * fdatasync each downloaded file before journaling it complete. Off by default, as in curl and
   * rclone: the OS flushes it, and a file a power cut left short is caught by the size check on the
   * next run and fetched again (the service keeps it for 7 days). Syncing costs ~45% of the
   * throughput on this project's build machine (see the export benchmark).
   */
  syncEachFile?: boolean;
  /** The bandwidth cap shared with every other transfer, if any. */
  limiter?: BandwidthLimiter;
}

export interface ExportSummary {
  files: number;
  bytes: number;
  /** Of `files`, those complete from an earlier run: nothing was fetched for them now. */
  alreadyThere: number;
  refused: { archive: string; name: string; reason: string }[];
}

export function fileKey(batchId: string, f: Pick<FileMetadata, 'fileName' | 'partName' | 'shardId'>): string {
  return [batchId, f.partName ?? '', f.shardId ?? '', f.fileName].join('\u0000');
}

interface DoneState {
  rel: string;
  size: number;
  archive: boolean;
  extracted: boolean;
  refused: RefusedMember[];
  /** The side file listing its extracted files, when the journal names one. */
  memberList?: string;
}

/**
 * What the journal calls complete, the archives discarded as damaged and not extracted since, and the
 * members of `batchId`'s extracted archives now gone or short on disk (`root`). Streamed, holding a few
 * fields per archive: member lists are read one at a time, and only lost members are kept (ten named).
 */
async function readDone(
  journalPath: string,
  batchId: string,
  root: string,
): Promise<{ done: Map<string, DoneState>; discarded: Set<string>; lost: Map<string, LostMembers> }> {
  const done = new Map<string, DoneState>();
  const discarded = new Set<string>();
  const lost = new Map<string, LostMembers>();
  const inBatch = (key: string) => key.startsWith(`${batchId}\u0000`); // the journal may hold other batches
  for await (const r of replayRecords<ExportJournalRecord>(journalPath)) {
    lost.delete(r.key); // what a later record says of the key replaces what was found for an earlier one
    if (r.t === 'file') done.set(r.key, { rel: r.rel, size: r.size, archive: r.archive, extracted: false, refused: [] });
    else if (r.t === 'discarded') {
      done.delete(r.key);
      discarded.add(r.key);
    } else if (r.t === 'extracted') {
      discarded.delete(r.key);
      const d = done.get(r.key);
      if (d) {
        d.extracted = true;
        d.refused = r.refused;
        d.memberList = r.memberList;
        // An older record's inline list is checked now, so it is dropped with its line.
        const gone = r.members && inBatch(r.key) ? findLost(r.members, root) : null;
        if (gone) lost.set(r.key, gone);
      }
    }
  }
  for (const [key, d] of done) {
    if (!d.extracted || !d.memberList || !inBatch(key)) continue;
    const gone = await findLostInList(journalPath, d.memberList, root);
    if (gone) lost.set(key, gone);
  }
  return { done, discarded, lost };
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

function fileSize(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return -1;
  }
}

/** An error from our own disk (ENOSPC, EACCES…): system calls fail with `syscall`, zlib and tar errors do not. */
function isLocalError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException)?.syscall === 'string';
}

export async function exportBatch(opts: ExportOptions): Promise<ExportSummary> {
  const log = opts.log ?? silentLogger;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const root = path.resolve(opts.destDir);
  fs.mkdirSync(root, { recursive: true });
  const journal = Journal.open<ExportJournalRecord>(opts.journalPath);
  // `lost`: extracted members now gone or short on disk (deleted, or lost to a power cut), by archive:
  // the archive itself was deleted after extraction, so it is fetched and extracted again.
  const { done, discarded, lost } = await readDone(opts.journalPath, opts.batchId, root);
  const meter = new RateMeter();
  const summary: ExportSummary = { files: 0, bytes: 0, alreadyThere: 0, refused: [] };

  const batch = await opts.staging.getBatch(opts.batchId, opts.signal);
  const parts: (string | undefined)[] =
    batch.batchType === 'multipart-batch' ? (await opts.staging.parts(opts.batchId, opts.signal)).map((p) => p.partName) : [undefined];
  let filesTotal = 0;
  for (const p of parts) filesTotal += await opts.staging.count(opts.batchId, p, opts.signal);

  let filesDone = 0;
  let bytesDone = 0;
  const report = () => {
    const rate = meter.rate();
    const bytesTotal = filesDone > 0 ? Math.max(bytesDone, Math.round((bytesDone / filesDone) * filesTotal)) : bytesDone;
    const left = bytesTotal - bytesDone;
    opts.onProgress?.({
      exportFiles: { done: filesDone, total: Math.max(filesTotal, filesDone) },
      exportBytes: { done: bytesDone, total: bytesTotal },
      throughput: rate,
      etaSeconds: rate > 0 && left >= 0 ? left / rate : null,
    });
  };
  let lastReport = 0;
  const onBytes = (n: number) => {
    bytesDone += n;
    meter.add(n);
    const t = Date.now();
    if (t - lastReport >= 100) {
      lastReport = t;
      report();
    }
  };

  /** Archives found damaged in this pass: the next pass downloads them again. */
  let damaged = 0;

  /** Extracts an archive; false when it was damaged, deleted and forgotten, to be downloaded again. */
  const finishArchive = async (key: string, finalPath: string, archiveRel: string, dir: string): Promise<boolean> => {
    let res: Awaited<ReturnType<typeof extractArchive>>;
    const members = new MemberListWriter(opts.journalPath, memberListName(key), root);
    try {
      res = await extractArchive(finalPath, dir, opts.signal, (file) => members.add(file));
    } catch (err) {
      members.discard();
      if (opts.signal.aborted || isLocalError(err)) throw err;
      // Its bytes are bad though its size is right (a power cut that kept the size, bad bytes in
      // transit): extracting it again would fail forever. Delete it and undo its completion.
      fs.rmSync(finalPath, { force: true });
      await journal.appendDurably({ t: 'discarded', key });
      done.delete(key);
      const reason = (err as Error).message;
      if (discarded.has(key)) {
        throw new ApiError(
          `The archive ${archiveRel} of batch ${opts.batchId} is damaged: a fresh download of it could not be extracted either (${reason}). It was deleted; retrying the export downloads it again.`,
          'remote',
          'export',
        );
      }
      discarded.add(key);
      log.warn('archive could not be extracted; downloading it again', { archive: archiveRel, batchId: opts.batchId, error: reason });
      return false;
    }
    // Extracted files and their list are always made durable before the archive counts as extracted:
    // the archive is deleted next, so a power cut could not be repaired from it.
    await members.commit();
    await journal.appendDurably({ t: 'extracted', key, refused: res.refused, memberList: members.listName });
    // Marked here too, so a later pass (after expired links) does not fetch it again.
    const d = done.get(key);
    if (d) Object.assign(d, { extracted: true, refused: res.refused, memberList: members.listName });
    lost.delete(key);
    discarded.delete(key);
    for (const r of res.refused) summary.refused.push({ archive: archiveRel, ...r });
    if (res.refused.length) log.warn('archive members refused', { archive: archiveRel, refused: res.refused });
    fs.rmSync(finalPath, { force: true });
    return true;
  };

  let failures: unknown[] = [];
  const finishing = new Set<Promise<void>>();

  /**
   * Handles one listed file of `part` (undefined: not a multipart batch); returns 'expired' when its
   * URL must be refreshed. The listing's own partName is optional (3.5): the part listed stands in.
   */
  const handle = async (listed: FileMetadata, part: string | undefined): Promise<'ok' | 'expired'> => {
    const f = { ...listed, partName: listed.partName ?? part };
    const key = fileKey(opts.batchId, f);
    const dir = f.partName ? memberTarget(root, f.partName) : { path: root };
    if ('reason' in dir) throw new ApiError(`Refused part name "${f.partName}": ${dir.reason}.`, 'remote', 'export');
    const target = memberTarget(dir.path, f.fileName);
    if ('reason' in target) {
      summary.refused.push({ archive: '', name: f.fileName, reason: target.reason });
      return 'ok';
    }
    const finalPath = target.path;
    const rel = path.relative(root, finalPath);
    const archive = isArchiveName(f.fileName);
    const partPath = `${finalPath}.part`;
    const prior = done.get(key);
    const missing = lost.get(key);
    if (prior) {
      if (prior.archive && prior.extracted && !missing) return countDone(prior.size, prior.refused, rel);
      if (missing) log.warn('extracted files are missing or short; fetching their archive again', { archive: rel, missing: describeLost([missing]) });
      if (!prior.archive && fileSize(finalPath) === prior.size) return countDone(prior.size, [], rel);
      if (!exists(finalPath) && fileSize(partPath) === prior.size) fs.renameSync(partPath, finalPath);
      if (fileSize(finalPath) === prior.size && (!prior.archive || (await finishArchive(key, finalPath, rel, dir.path)))) {
        return countDone(prior.size, [], rel);
      }
      fs.rmSync(finalPath, { force: true }); // short, gone (e.g. after a power loss) or damaged: fetch again
      done.delete(key); // the file vanished: fetch it again
    }
    fs.mkdirSync(path.dirname(finalPath), { recursive: true });
    const before = Math.max(0, fileSize(partPath));
    if (before > 0) {
      bytesDone += before; // what an earlier run already fetched
    }
    let size: number;
    try {
      size = await downloadToPart({ url: f.downloadURL, partPath, signal: opts.signal, onBytes, limiter: opts.limiter });
    } catch (err) {
      if (before > 0) bytesDone -= before;
      if (err instanceof UrlExpiredError) return 'expired';
      // The bare download error ("the storage answered 404") would not say which file, nor what the operator is missing.
      if (err instanceof DownloadError || err instanceof StorageGetError) {
        const what = `${rel} of batch ${opts.batchId}: ${err.message}`;
        const message = missing ? `Extracted files are missing and could not be fetched again (${what}): ${describeLost([missing])}.` : `Could not download ${what}.`;
        throw new ApiError(message, 'remote', 'export', undefined, err.retryable);
      }
      throw err;
    }
    // The download slot is free now: journaling the file complete, renaming it into place and
    // extracting it overlap with the next downloads.
    const finish = (async () => {
      if (opts.syncEachFile) await syncFileData(partPath);
      // Journal first, then rename: a crash in between is repaired on the next run (size matches).
      await journal.appendDurably({ t: 'file', key, rel, size, archive });
      fs.renameSync(partPath, finalPath);
      done.set(key, { rel, size, archive, extracted: false, refused: [] });
      if (archive && !(await finishArchive(key, finalPath, rel, dir.path))) {
        damaged++; // the next pass fetches it again
        return;
      }
      filesDone++;
      summary.files++;
      summary.bytes += size;
      report();
    })();
    const tracked: Promise<void> = finish.catch((err) => void failures.push(err)).finally(() => finishing.delete(tracked));
    finishing.add(tracked);
    return 'ok';
  };

  function countDone(size: number, refused: RefusedMember[], rel: string): 'ok' {
    filesDone++;
    bytesDone += size;
    summary.files++;
    summary.alreadyThere++;
    summary.bytes += size;
    for (const r of refused) summary.refused.push({ archive: rel, ...r });
    return 'ok';
  }

  try {
    const maxPasses = opts.maxPasses ?? 6;
    for (let pass = 0; ; pass++) {
      filesDone = 0;
      bytesDone = 0;
      summary.files = 0;
      summary.bytes = 0;
      summary.alreadyThere = 0;
      summary.refused = [];
      let expired = 0;
      damaged = 0;
      failures = [];
      const running = new Set<Promise<void>>();
      for (const part of parts) {
        let token: string | null = null;
        do {
          const page = await opts.staging.listContent(opts.batchId, { partName: part, nextPageToken: token, signal: opts.signal });
          for (const f of page.items) {
            while (running.size >= concurrency) await Promise.race(running);
            if (failures.length) break;
            const p: Promise<void> = handle(f, part).then(
              (r) => {
                if (r === 'expired') expired++;
              },
              (err) => {
                failures.push(err);
              },
            );
            const tracked = p.finally(() => running.delete(tracked));
            running.add(tracked);
          }
          token = page.nextPageToken;
        } while (token && !failures.length);
        if (failures.length) break;
      }
      await Promise.all(running);
      await Promise.all(finishing);
      opts.signal.throwIfAborted();
      if (failures.length) throw failures[0];
      if (expired === 0 && damaged === 0) break;
      // A damaged archive is fetched again once per run (a second failure throws), so only expiries count here.
      if (expired > 0 && pass + 1 >= maxPasses) {
        throw new DownloadError(`${expired} download links of batch ${opts.batchId} kept expiring; the results may be gone from the service. Try the export again.`, true);
      }
      log.info('listing the batch again', { expired, damaged, pass: pass + 1 });
    }
    // An archive the service no longer lists cannot be fetched again.
    if (lost.size) {
      throw new ApiError(`Extracted files are missing and their archives are no longer listed by the service: ${describeLost(lost.values())}.`, 'not-found', 'export');
    }
    fsyncDir(root);
    report();
    return summary;
  } finally {
    await journal.close();
  }
}
