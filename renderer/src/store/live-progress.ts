// Live progress kept as numbers, not as the event objects that brought it.
//
// At full rate (10,000 items × 10 events/s) every parsed event used to stay alive until the next
// flush and then in `live` until the item's next flush: some 20,000 events (over 100,000 small
// objects) always reachable, so every young-generation GC copied and promoted them, and those GC
// pauses were most of the renderer's long tasks. Here an item's figures are copied into a flat
// Float64Array slot the moment they arrive (a packed row of a batch, shared/progress-batch.ts), so
// the message dies young and costs the GC nothing; the `live[id]` object a row reads is built
// lazily, on first read after a flush, and then kept until the next flush that changes it (so
// selectors keep their identity semantics: a new object exactly when the item's figures changed).
// Only the rows and panels on screen ever read, so only they allocate.
//
// Events of an unusual shape (tasks, export counters, any field this file does not know) are kept
// as they are; they are rare (one stage at a time, and slower) and their exact content is preserved.
//
// A flush touches only what it must: items that have finished are refused as their events arrive
// (`close`), not looked up in the store for every item on every flush, and each item's throughput
// samples (for its sparkline) are a ring in a flat array, read like `live`: an array per item, made
// on first read after a new sample. (Those lookups, and 10,000 growing arrays, were most of a
// flush.)

import type { ItemProgressEvent } from '../../../shared/contract';
import {
  PROGRESS_ROW_WIDTH as WIDTH,
  ROW_THROUGHPUT as THROUGHPUT,
  SPARKLINE_SAMPLES,
  unpackRow,
  type ProgressBatch,
} from '../../../shared/progress-batch';

// A slot holds an item's figures as a packed row (shared/progress-batch.ts), so a batch's rows copy
// straight in.

/** Throughput samples kept per item (the sparkline's span, at one a second). */
export const MAX_SAMPLES = SPARKLINE_SAMPLES;
/** sampleDue's mark for a ring just replaced by main's history: no sample at the next flush. */
const AFTER_HISTORY = -Infinity;
const RING_PAGE_BITS = 8;
const RING_PAGE_MASK = (1 << RING_PAGE_BITS) - 1;

export class LiveProgressBuffer {
  /**
   * The store's `live` record, a read-only view: an entry per item whose progress has been flushed.
   * (A proxy rather than 10,000 accessors: defining those cost a long task on the first flush.)
   */
  readonly live: Record<string, ItemProgressEvent> = readOnlyRecord(
    (id) => this.read(id),
    () => this.slots.keys(),
  );
  /** The store's `samples` record, a read-only view like `live`: oldest first, at most MAX_SAMPLES. */
  readonly samples: Record<string, readonly number[]> = readOnlyRecord(
    (id) => this.readSamples(id),
    () => this.slots.keys(),
  );
  private readonly slots = new Map<string, number>();
  private slotIds: (string | undefined)[] = [];
  private free: number[] = [];
  private incoming: Float64Array<ArrayBuffer> = new Float64Array(WIDTH * 256);
  private shown: Float64Array<ArrayBuffer> = new Float64Array(WIDTH * 256);
  /** Events kept whole (unusual shape), received and shown. */
  private incomingObject: (ItemProgressEvent | undefined)[] = [];
  private shownObject: (ItemProgressEvent | undefined)[] = [];
  /** The object handed out for a slot since its last flush. */
  private cache: (ItemProgressEvent | undefined)[] = [];
  private dirty = new Uint8Array(256);
  /** 1 once the slot's figures have been flushed (it then has a `live` entry). */
  private visible = new Uint8Array(256);
  private dirtyList: number[] = [];
  /** When each slot's next throughput sample is due (NaN: at its first figures). */
  private sampleDue: Float64Array<ArrayBuffer> = new Float64Array(256).fill(NaN);
  /**
   * Each slot's samples, a ring of MAX_SAMPLES, in pages of 256 slots made as slots are (growing
   * one array by copying it cost a long task at 10,000 items); how many each ring holds, and where
   * its next sample goes. Single precision: a sparkline needs no more.
   */
  private ringPages: Float32Array<ArrayBuffer>[] = [];
  private ringCount = new Uint8Array(256);
  private ringNext = new Uint8Array(256);
  /** The array handed out for a slot's samples since its last sample. */
  private samplesCache: (readonly number[] | undefined)[] = [];
  /** Items whose events are refused (finished: their summary's figures are final). */
  private readonly closed = new Set<string>();
  /** A sparkline was replaced since the last flush. */
  private historyChanged = false;

  /** Records the newest figures of the batch's items; nothing is visible until `flush`. */
  receiveBatch(batch: ProgressBatch): void {
    const { ids, rows } = batch;
    for (let i = 0; i < ids.length; i++) {
      const slot = this.slotFor(ids[i]!);
      if (slot === undefined) continue;
      const buf = this.incoming; // after slotFor, which may grow it
      const o = slot * WIDTH;
      const from = i * WIDTH;
      for (let k = 0; k < WIDTH; k++) buf[o + k] = rows[from + k]!;
      this.incomingObject[slot] = undefined;
      this.markDirty(slot);
    }
    for (const event of batch.whole) this.receiveWhole(event);
    if (batch.histories) for (const { id, samples } of batch.histories) this.receiveHistory(id, samples);
  }

  /**
   * Replaces an item's sparkline with main's (it kept sampling while the row was off screen and
   * its figures were not sent). Main's newest sample is at most a second old, so this page's next
   * one comes a sample interval after the next flush.
   */
  private receiveHistory(id: string, samples: readonly number[]): void {
    const slot = this.slotFor(id);
    if (slot === undefined) return;
    const page = this.ringPages[slot >> RING_PAGE_BITS]!;
    const base = (slot & RING_PAGE_MASK) * MAX_SAMPLES;
    const from = Math.max(0, samples.length - MAX_SAMPLES);
    const count = samples.length - from;
    for (let i = 0; i < count; i++) page[base + i] = samples[from + i]!;
    this.ringCount[slot] = count;
    this.ringNext[slot] = count === MAX_SAMPLES ? 0 : count;
    this.samplesCache[slot] = undefined;
    this.sampleDue[slot] = AFTER_HISTORY;
    this.historyChanged = true;
  }

  /** Records an event of an unusual shape, kept as it is. */
  private receiveWhole(event: ItemProgressEvent): void {
    const slot = this.slotFor(event.id);
    if (slot === undefined) return;
    this.incomingObject[slot] = event;
    this.markDirty(slot);
  }

  /** The item's slot, made on its first event; undefined while its events are refused. */
  private slotFor(id: string): number | undefined {
    if (this.closed.size > 0 && this.closed.has(id)) return undefined;
    return this.slots.get(id) ?? this.allocate(id);
  }

  private markDirty(slot: number): void {
    if (this.dirty[slot] === 0) {
      this.dirty[slot] = 1;
      this.dirtyList.push(slot);
    }
  }

  /** True when events (or a sparkline) wait for a flush. */
  get pending(): boolean {
    return this.dirtyList.length > 0 || this.historyChanged;
  }

  /** Forgets an item and refuses its events from now on, until `reopen`. */
  close(id: string): void {
    this.drop(id);
    this.closed.add(id);
  }

  /** Accepts an item's events again (it was retried, or it is gone and its id means nothing). */
  reopen(id: string): void {
    this.closed.delete(id);
  }

  /**
   * Makes everything received visible in `live`, and adds a throughput sample for each item whose
   * next one is due at `now` (one every `sampleEveryMs` on average).
   */
  flush(now: number, sampleEveryMs: number): void {
    const list = this.dirtyList;
    this.dirtyList = [];
    this.historyChanged = false;
    for (const slot of list) {
      if (this.dirty[slot] === 0) continue; // dropped since
      this.dirty[slot] = 0;
      const id = this.slotIds[slot]!;
      const object = this.incomingObject[slot];
      this.shownObject[slot] = object;
      this.incomingObject[slot] = undefined;
      let throughput: number;
      if (object === undefined) {
        const o = slot * WIDTH;
        for (let i = o; i < o + WIDTH; i++) this.shown[i] = this.incoming[i]!;
        throughput = this.shown[o + THROUGHPUT]!;
      } else {
        throughput = object.progress.throughput;
      }
      this.cache[slot] = undefined;
      this.visible[slot] = 1;
      // Samples keep their cadence: figures come every 200 ms or (from a main that was never told
      // what is on screen) once a second, a little early or late, and one a few ms early must not
      // wait a whole second more.
      const due = this.sampleDue[slot]!;
      if (due === AFTER_HISTORY) {
        this.sampleDue[slot] = now + sampleEveryMs;
      } else if (Number.isNaN(due) || now >= due - sampleEveryMs / 4) {
        this.sampleDue[slot] = Number.isNaN(due) || now - due > sampleEveryMs / 4 ? now + sampleEveryMs : due + sampleEveryMs;
        this.addSample(slot, throughput);
      }
    }
  }

  private addSample(slot: number, value: number): void {
    const next = this.ringNext[slot]!;
    const page = this.ringPages[slot >> RING_PAGE_BITS]!;
    page[(slot & RING_PAGE_MASK) * MAX_SAMPLES + next] = value;
    this.ringNext[slot] = next + 1 === MAX_SAMPLES ? 0 : next + 1;
    if (this.ringCount[slot]! < MAX_SAMPLES) this.ringCount[slot]!++;
    this.samplesCache[slot] = undefined;
  }

  /** Forgets an item: its `live` entry disappears and unflushed figures are dropped. */
  drop(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    const had = this.visible[slot] === 1;
    this.visible[slot] = 0;
    this.slots.delete(id);
    this.slotIds[slot] = undefined;
    this.incomingObject[slot] = undefined;
    this.shownObject[slot] = undefined;
    this.cache[slot] = undefined;
    this.dirty[slot] = 0;
    this.sampleDue[slot] = NaN;
    this.ringCount[slot] = 0;
    this.ringNext[slot] = 0;
    this.samplesCache[slot] = undefined;
    this.free.push(slot);
    return had;
  }

  private allocate(id: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.slotIds.length;
      if ((slot + 1) * WIDTH > this.incoming.length) {
        this.incoming = doubled(this.incoming);
        this.shown = doubled(this.shown);
        this.dirty = doubled(this.dirty);
        this.visible = doubled(this.visible);
        this.sampleDue = doubled(this.sampleDue, NaN);
        this.ringCount = doubled(this.ringCount);
        this.ringNext = doubled(this.ringNext);
      }
      this.slotIds.push(id);
      if ((slot & RING_PAGE_MASK) === 0) this.ringPages.push(newRingPage());
    } else {
      this.slotIds[slot] = id;
    }
    this.slots.set(id, slot);
    return slot;
  }

  private readSamples(id: string): readonly number[] | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const count = this.ringCount[slot]!;
    if (count === 0) return undefined;
    const cached = this.samplesCache[slot];
    if (cached !== undefined) return cached;
    const out = new Array<number>(count);
    const page = this.ringPages[slot >> RING_PAGE_BITS]!;
    const base = (slot & RING_PAGE_MASK) * MAX_SAMPLES;
    const first = count < MAX_SAMPLES ? 0 : this.ringNext[slot]!;
    for (let i = 0; i < count; i++) out[i] = page[base + ((first + i) % MAX_SAMPLES)]!;
    this.samplesCache[slot] = out;
    return out;
  }

  private read(id: string): ItemProgressEvent | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined || this.visible[slot] === 0) return undefined;
    const cached = this.cache[slot];
    if (cached !== undefined) return cached;
    const made = this.shownObject[slot] ?? unpackRow(id, this.shown, slot * WIDTH);
    this.cache[slot] = made;
    return made;
  }
}

/** A record whose entries are read through `read`, for the ids `ids` lists; it refuses writes. */
function readOnlyRecord<T>(read: (id: string) => T | undefined, ids: () => Iterable<string>): Record<string, T> {
  return new Proxy({} as Record<string, T>, {
    get: (_target, key) => (typeof key === 'string' ? read(key) : undefined),
    has: (_target, key) => typeof key === 'string' && read(key) !== undefined,
    ownKeys: () => [...ids()].filter((id) => read(id) !== undefined),
    getOwnPropertyDescriptor: (_target, key) => {
      const value = typeof key === 'string' ? read(key) : undefined;
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
}

/** A copy twice as long; the new half holds `fill`. */
function doubled<T extends Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(buf: T, fill = 0): T {
  const next = new (buf.constructor as new (length: number) => T)(buf.length * 2);
  next.set(buf);
  if (fill !== 0) next.fill(fill, buf.length);
  return next;
}

/**
 * A page of rings, its memory touched at once: a fresh array's pages are mapped on first write,
 * and a flush writing the first sample of 10,000 items spent 30 ms in those page faults.
 */
function newRingPage(): Float32Array<ArrayBuffer> {
  return new Float32Array(MAX_SAMPLES << RING_PAGE_BITS).fill(0);
}
