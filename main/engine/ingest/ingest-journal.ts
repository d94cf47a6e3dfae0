// The upload journal (ingest.jsonl in the item folder). Every state change is appended and fsync'ed
// BEFORE it is acted on: a piece is journaled `uploading` before its first byte leaves, `uploaded`
// only after the storage answered 2xx. After a kill -9, replay tells which pieces are finished,
// which were never started, and which are in doubt (their PUT may or may not have landed) and must
// be reconciled against the service before anything is sent again.
//
// A "piece" is what one PUT carries: a whole planned shard (`s12`), a part of one when a signed URL
// set tighter limits than planned (`s12.0`, `s12.1`, …), or one video (`v340`).

import path from 'node:path';
import type { RejectionReason } from '../../../shared/domain';
import { Journal, readRecords, replayRecords } from '../journal';

export const INGEST_JOURNAL = 'ingest.jsonl';

export interface Excluded {
  /** Plan index. */
  index: number;
  reason: RejectionReason;
  message: string;
  /** The file's planned size (bytes no longer to send). */
  size?: number;
}

export type IngestRecord =
  /** Files of a piece found changed or gone when re-checked just before sending; left out from then on. */
  | { t: 'excluded'; piece: string; files: Excluded[]; at: string }
  /** A piece split to fit a signed URL's limits; members are plan indices. */
  | { t: 'split'; piece: string; pieces: { id: string; members: number[] }[]; reason: string; at: string }
  | { t: 'uploading'; piece: string; attempt: number; urlToken: string; bytes: number; at: string }
  /** maybeDelivered: the whole body was handed to the network before the failure, so it may have landed. */
  | { t: 'attempt-failed'; piece: string; attempt: number; error: string; maybeDelivered: boolean; at: string }
  | { t: 'uploaded'; piece: string; reconciled?: boolean; at: string }
  /** A piece that will not be sent (all its files excluded, or a permanent error). */
  | { t: 'failed'; piece: string; error: string; permanent: boolean; at: string }
  /**
   * A file the service did not accept: from the shards' status metadata, or (`unsentBytes`) a video
   * whose upload URL it refused, so never sent: out of the totals to send.
   */
  | { t: 'service-rejected'; index: number; batchName: string; type: string; reason: string; unsentBytes?: number; at: string }
  /** Indexing finished: what the service reports. */
  | { t: 'indexed'; indexed: number; rejected: number; videos: number; at: string };

export function openIngestJournal(itemDir: string): Journal<IngestRecord> {
  return Journal.open<IngestRecord>(path.join(itemDir, INGEST_JOURNAL));
}

export type PieceState = 'uploading' | 'in-doubt' | 'retry' | 'uploaded' | 'failed';

export interface PieceStatus {
  id: string;
  state: PieceState;
  attempts: number;
  lastError?: string;
  reconciled?: boolean;
  /**
   * In doubt since (ms since epoch): when the attempt that may have landed was journaled failed. The
   * listing lag runs from then, so a resume waits only what is left of it. Unknown after a crash mid-PUT.
   */
  inDoubtSince?: number;
}

/** What replaying the journal tells the uploader and the UI. */
export class IngestState {
  readonly pieces = new Map<string, PieceStatus>();
  /** Plan index → why it was left out at send time. */
  readonly excluded = new Map<number, Excluded>();
  readonly splits = new Map<string, { id: string; members: number[] }[]>();
  readonly serviceRejected = new Map<number, Extract<IngestRecord, { t: 'service-rejected' }>>();
  indexed?: Extract<IngestRecord, { t: 'indexed' }>;

  apply(r: IngestRecord): void {
    switch (r.t) {
      case 'excluded':
        for (const f of r.files) this.excluded.set(f.index, f);
        break;
      case 'split':
        this.splits.set(r.piece, r.pieces);
        break;
      case 'uploading': {
        const p = this.piece(r.piece);
        p.state = 'uploading';
        p.attempts = Math.max(p.attempts, r.attempt);
        p.inDoubtSince = undefined;
        break;
      }
      case 'attempt-failed': {
        const p = this.piece(r.piece);
        p.state = r.maybeDelivered ? 'in-doubt' : 'retry';
        p.lastError = r.error;
        p.inDoubtSince = r.maybeDelivered ? Date.parse(r.at) : undefined;
        break;
      }
      case 'uploaded': {
        const p = this.piece(r.piece);
        p.state = 'uploaded';
        p.reconciled = r.reconciled;
        p.lastError = undefined;
        break;
      }
      case 'failed': {
        const p = this.piece(r.piece);
        p.state = 'failed';
        p.lastError = r.error;
        break;
      }
      case 'service-rejected':
        this.serviceRejected.set(r.index, r);
        break;
      case 'indexed':
        this.indexed = r;
        break;
    }
  }

  piece(id: string): PieceStatus {
    let p = this.pieces.get(id);
    if (!p) {
      p = { id, state: 'retry', attempts: 0 };
      this.pieces.set(id, p);
    }
    return p;
  }

  /** Pieces whose PUT may have landed without the journal knowing: `uploading` at the crash, or a failure after the full body went out. */
  inDoubt(): string[] {
    return [...this.pieces.values()].filter((p) => p.state === 'uploading' || p.state === 'in-doubt').map((p) => p.id);
  }

  static load(itemDir: string): IngestState {
    const s = new IngestState();
    for (const r of readRecords<IngestRecord>(path.join(itemDir, INGEST_JOURNAL))) s.apply(r);
    return s;
  }

  static async loadStreaming(itemDir: string): Promise<IngestState> {
    const s = new IngestState();
    for await (const r of replayRecords<IngestRecord>(path.join(itemDir, INGEST_JOURNAL))) s.apply(r);
    return s;
  }
}

export function shardPieceId(shard: number): string {
  return `s${shard}`;
}

export function videoPieceId(index: number): string {
  return `v${index}`;
}

/** The shard a piece id belongs to, or null for videos. */
export function shardOfPiece(id: string): number | null {
  const m = /^s(\d+)/.exec(id);
  return m ? Number(m[1]) : null;
}

export function now(): string {
  return new Date().toISOString();
}
