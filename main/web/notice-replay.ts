// Notices ("cams-0412 is done", "… failed") are told once, as they happen. A browser whose event
// stream dropped for a moment (a laptop waking, an SSH tunnel restarting) would never see the ones
// sent meanwhile: its lists are reloaded after a reconnect, but a notice is not in any list. So each
// notice goes out with an SSE `id:`, the last ones are kept, and a reconnecting EventSource, which
// sends the last id it saw as `Last-Event-ID`, gets those it missed first.
//
// Ids are `<run>-<n>`: a run tag random per server, so an id from an earlier `serve` replays nothing.

import { randomBytes } from 'node:crypto';
import type { EventChannels } from '../../shared/contract';

type Notice = EventChannels['notice'];

/** Enough for any burst a short disconnect can miss; older ones are dropped. */
export const NOTICES_KEPT = 100;

export class NoticeReplay {
  private readonly run = randomBytes(4).toString('hex');
  private next = 1;
  private readonly kept: { seq: number; notice: Notice }[] = [];

  /** Keeps a notice being sent; returns the id it goes out with. */
  record(notice: Notice): string {
    const seq = this.next++;
    this.kept.push({ seq, notice });
    if (this.kept.length > NOTICES_KEPT) this.kept.shift();
    return this.idOf(seq);
  }

  /** The notices kept after `lastEventId` (a reconnect's `Last-Event-ID`), oldest first. */
  missedSince(lastEventId: string | undefined): { id: string; notice: Notice }[] {
    const m = /^([0-9a-f]+)-(\d+)$/.exec(lastEventId ?? '');
    if (!m || m[1] !== this.run) return [];
    const seen = Number(m[2]);
    return this.kept.filter((k) => k.seq > seen).map((k) => ({ id: this.idOf(k.seq), notice: k.notice }));
  }

  private idOf(seq: number): string {
    return `${this.run}-${seq}`;
  }
}
