// Who else used the CPU during a measurement. On a 2-core machine a main-thread task takes twice its
// CPU time when something else wants a core (the kernel writing back or discarding a test run's
// files, another benchmark), so a figure is read with how busy the machine was outside the
// process tree being measured. Linux only (/proc).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU ticks every core spent busy (user, nice, system, irq, softirq, steal), from /proc/stat. */
function machineBusyTicks(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
}

/** A process's parent and its CPU ticks so far (user + system), from /proc/<pid>/stat; throws once it has exited. */
function processStat(pid: number): { ppid: number; ticks: number } {
  // the fields after the command name, which is in parentheses and may hold spaces
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU seconds (user + system) a live process has used; throws once it has exited. */
export function processCpuSeconds(pid: number): number {
  return processStat(pid).ticks / TICKS_PER_SECOND;
}

/** CPU ticks of every live process under the roots, themselves included (one read of each process's stat). */
function processTreeTicks(rootPids: number[]): Map<number, number> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      stats.set(Number(entry), processStat(Number(entry)));
    } catch {
      // exited while listing
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const out = new Map<number, number>();
  const queue = [...rootPids];
  while (queue.length) {
    const pid = queue.pop()!;
    out.set(pid, stats.get(pid)?.ticks ?? 0);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface CpuSnapshot {
  at: number;
  busy: number;
  measured: Map<number, number>;
}

/** A snapshot of the machine's busy time and of each process under the measured roots. */
export function cpuSnapshot(roots: number[]): CpuSnapshot {
  return { at: performance.now(), busy: machineBusyTicks(), measured: processTreeTicks(roots) };
}

/**
 * Cores in use on average between two snapshots: by the measured processes (those alive at the
 * end; one that started in between counts from zero), by the roots alone (without their
 * children), and by everything else.
 */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  roots: number[] = [],
): { measuredCores: number; rootCores: number; otherCores: number } {
  const seconds = (after.at - before.at) / 1000;
  const used = (pid: number) => (after.measured.get(pid) ?? 0) - (before.measured.get(pid) ?? 0);
  let measured = 0;
  for (const pid of after.measured.keys()) measured += used(pid);
  const busy = after.busy - before.busy;
  const cores = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) / 100;
  return {
    measuredCores: cores(measured),
    rootCores: cores(roots.reduce((sum, pid) => sum + used(pid), 0)),
    otherCores: cores(Math.max(0, busy - measured)),
  };
}
