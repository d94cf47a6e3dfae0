// The host's view of the watch part (main/engine/watch/manager.ts `WatchManager`).

import type { WatchSpec, WatchSummary } from '../../shared/domain';

type MaybePromise<T> = T | Promise<T>;

export interface WatchService {
  list(): MaybePromise<WatchSummary[]>;
  add(spec: WatchSpec): MaybePromise<WatchSummary>;
  update(id: string, spec: WatchSpec): MaybePromise<WatchSummary>;
  pause(id: string): MaybePromise<WatchSummary>;
  resume(id: string): MaybePromise<WatchSummary>;
  remove(id: string): MaybePromise<unknown>;
  on(event: 'changed', listener: (w: WatchSummary) => void): unknown;
  on(event: 'removed', listener: (w: { id: string }) => void): unknown;
  off?(event: 'changed', listener: (w: WatchSummary) => void): unknown;
  close?(): Promise<void>;
}
