import { describe, expect, it } from 'vitest';
import { jitteredWait, nextInterval, pollFloor, pollUntil } from '../../main/engine/poll/poller';
import { ApiError } from '../../main/engine/roboflow/http';
import { taskCounts } from '../../main/engine/jobs/task-counts';

const T = { minMs: 10, maxMs: 80, factor: 2 };

describe('poll interval', () => {
  it('backs off while nothing changes, up to the ceiling, and snaps back on change', () => {
    let i = T.minMs;
    const seen: number[] = [];
    for (let n = 0; n < 6; n++) seen.push((i = nextInterval(i, false, T)));
    expect(seen).toEqual([20, 40, 80, 80, 80, 80]);
    expect(nextInterval(80, true, T)).toBe(10);
  });

  it('never snaps back below a floor that grows with the time spent polling, up to the ceiling', () => {
    const t = { ...T, ageShare: 0.1 };
    expect([0, 500, 10_000].map((ms) => pollFloor(ms, t))).toEqual([10, 50, 80]);
    expect(nextInterval(80, true, T, 50)).toBe(50);
    expect(nextInterval(20, false, T, 50)).toBe(50);
  });

  it('jitters fully below the interval but never below half the floor', () => {
    expect(jitteredWait(80, { minMs: 10, random: () => 0.999 })).toBe(79);
    expect(jitteredWait(80, { minMs: 10, random: () => 0 })).toBe(5);
  });
});

describe('pollUntil', () => {
  const fast = { minMs: 1, maxMs: 2, factor: 2, random: () => 0.5 };

  it('absorbs transient errors and stops at the terminal value', async () => {
    let n = 0;
    const values: number[] = [];
    const v = await pollUntil({
      signal: new AbortController().signal,
      timings: fast,
      read: async () => {
        n++;
        if (n === 2 || n === 3) throw new ApiError('503', 'remote', 'get job', 503, true);
        return n;
      },
      onValue: (x) => void values.push(x),
      done: (x) => x >= 5,
    });
    expect(v).toBe(5);
    expect(values).toEqual([1, 4, 5]);
  });

  it('gives up at once on a permanent error', async () => {
    await expect(
      pollUntil({
        signal: new AbortController().signal,
        timings: fast,
        read: async () => {
          throw new ApiError('The service refused the API key (401).', 'unauthorized', 'get job', 401, false);
        },
        done: () => false,
      }),
    ).rejects.toThrow(/401/);
  });

  it('gives up when transient errors last longer than the budget', async () => {
    await expect(
      pollUntil({
        signal: new AbortController().signal,
        timings: { ...fast, errorBudgetMs: 20 },
        read: async () => {
          throw new ApiError('down', 'network', 'get job', undefined, true);
        },
        done: () => false,
      }),
    ).rejects.toThrow(/down/);
  });

  it('polls an operation that began long ago (a job resumed after a restart of the app) at the floor its age sets', async () => {
    const gapsFor = async (since?: number) => {
      const at: number[] = [];
      await pollUntil({
        signal: new AbortController().signal,
        timings: { minMs: 2, maxMs: 200, factor: 2, ageShare: 0.1, random: () => 0.999 },
        since,
        read: async () => at.push(Date.now()),
        done: (n) => n >= 3,
      });
      return at.slice(1).map((t, i) => t - at[i]!);
    };
    // Begun 100 s ago: the floor is at the 200 ms ceiling from the first wait.
    for (const gap of await gapsFor(Date.now() - 100_000)) expect(gap).toBeGreaterThanOrEqual(195);
    // Begun now: the first waits are a few milliseconds.
    expect((await gapsFor())[0]).toBeLessThan(100);
  });

  it('stops when aborted', async () => {
    const c = new AbortController();
    const p = pollUntil({ signal: c.signal, timings: { ...fast, minMs: 1000, maxMs: 1000 }, read: async () => 1, done: () => false });
    setTimeout(() => c.abort(new Error('paused')), 20);
    await expect(p).rejects.toThrow(/paused/);
  });
});

describe('task counts (as the official client computes them)', () => {
  it('counts finished tasks whole, running ones by progress, the rest as waiting', () => {
    const c = taskCounts(5, [
      { taskId: 'a', statusType: 'success', progress: 1, notification: null },
      { taskId: 'b', statusType: 'error', progress: 1, notification: null },
      { taskId: 'c', statusType: 'info', progress: 0.5, notification: null },
      { taskId: 'd', statusType: 'info', progress: null, notification: null },
    ]);
    expect(c).toEqual({ total: 5, waiting: 2, running: 1, succeeded: 1, failed: 1, fraction: 0.5 });
  });
});
