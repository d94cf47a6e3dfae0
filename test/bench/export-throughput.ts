// Export download throughput vs curl fetching the same files 8 at a time.
// Run: npx tsx test/bench/export-throughput.ts [--files 48] [--mib 4] [--rounds 3]
// The emulator runs in its own process so it does not share our event loop. Prints JSON figures:
// `ratio` is the export as it runs in the app (the journal synced, downloaded files left to the OS to
// flush, as curl does) against curl; `syncEachFileRatio` is the same export with every file
// fdatasync'ed before it is journaled complete, i.e. what that extra durability costs on this disk.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KEY, client as emuClient, uploadShard } from '../emulator/testkit';
import { makePng } from '../emulator/fixtures';
import type { Emulator } from '../emulator/server';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { exportBatch } from '../../main/engine/export/exporter';
import { processCpuSeconds } from './cpu-accounting';

const run = promisify(execFile);

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

async function startEmulatorProcess(): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', '--api-key', KEY, '--time-scale', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c) => {
      buf += c;
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** The emulator's CPU seconds so far (Linux /proc; null elsewhere): it shares the 2 cores with the client. */
function emulatorCpuSeconds(pid: number): number | null {
  try {
    return processCpuSeconds(pid);
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const files = arg('files', 48);
  const mib = arg('mib', 4);
  const rounds = arg('rounds', 3);
  const concurrency = 8;
  const emu = await startEmulatorProcess();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-export-'));
  try {
    const c = emuClient({ url: emu.url } as Emulator);
    const batchId = 'bench-export';
    for (let i = 0; i < files; i += 8) {
      const entries = [];
      for (let j = i; j < Math.min(files, i + 8); j++) {
        entries.push({ name: `big-${String(j).padStart(4, '0')}.png`, data: makePng({ width: 16, height: 16, seed: `b${j}`, minBytes: mib * 1024 * 1024 }) });
      }
      await uploadShard(c, batchId, entries);
    }
    const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
    const totalBytes = files * mib * 1024 * 1024;

    // The emulator's CPU during each measured run: whether serving the files limits one side more.
    const emuCpu: { ours: number[]; curl: number[] } = { ours: [], curl: [] };
    const emuCpuSince = (start: number | null, into: number[]) => {
      const now = emulatorCpuSeconds(emu.pid);
      if (start !== null && now !== null) into.push(Math.round((now - start) * 100) / 100);
    };

    const ours = async (round: number, syncEachFile = false): Promise<number> => {
      const dest = path.join(tmp, `ours-${round}`);
      const emu0 = emulatorCpuSeconds(emu.pid);
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const s = await exportBatch({
        staging: client.staging,
        batchId,
        destDir: dest,
        journalPath: path.join(tmp, `ours-${round}.jsonl`),
        concurrency,
        signal: new AbortController().signal,
        syncEachFile,
      });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      if (!syncEachFile) oursCpu.push((cpu.user + cpu.system) / 1e6);
      if (!syncEachFile && round >= 0) emuCpuSince(emu0, emuCpu.ours);
      if (s.files !== files) throw new Error(`exported ${s.files} of ${files}`);
      fs.rmSync(dest, { recursive: true, force: true });
      return s.bytes / secs;
    };
    const curl = async (round: number): Promise<number> => {
      const dest = path.join(tmp, `curl-${round}`);
      fs.mkdirSync(dest, { recursive: true });
      const lines: string[] = [];
      let bytes = 0;
      const emu0 = emulatorCpuSeconds(emu.pid);
      const t0 = process.hrtime.bigint();
      // Listing is part of an export for both (fresh signed URLs).
      for await (const f of client.staging.iterateContent(batchId)) lines.push(`url = "${f.downloadURL}"`, `output = "${path.join(dest, f.fileName)}"`);
      fs.writeFileSync(path.join(tmp, 'curl.cfg'), lines.join('\n') + '\n');
      const curlArgs = ['--parallel', '--parallel-max', String(concurrency), '-s', '-S', '-f', '-K', path.join(tmp, 'curl.cfg')];
      if (fs.existsSync('/usr/bin/time')) {
        const { stderr } = await run('/usr/bin/time', ['-f', 'cpu %U %S', 'curl', ...curlArgs]);
        const m = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
        if (m) curlCpu.push(Number(m[1]) + Number(m[2]));
      } else await run('curl', curlArgs);
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      emuCpuSince(emu0, emuCpu.curl);
      for (const n of fs.readdirSync(dest)) bytes += fs.statSync(path.join(dest, n)).size;
      fs.rmSync(dest, { recursive: true, force: true });
      return bytes / secs;
    };

    const oursRates: number[] = [];
    const oursCpu: number[] = [];
    const curlCpu: number[] = [];
    const syncRates: number[] = [];
    const curlRates: number[] = [];
    // Every run starts from the same state: what the previous one left dirty in the page cache is
    // flushed first (a run right after another one's 200 MB of writes measured up to 30% slower,
    // whichever tool it was), and the order alternates between rounds.
    const settle = async () => {
      await run('sync');
      await new Promise((r) => setTimeout(r, 250));
    };
    await ours(-1); // warm-up (connections, page cache)
    for (let r = 0; r < rounds; r++) {
      const pair = [async () => curlRates.push(await curl(r)), async () => oursRates.push(await ours(r))];
      if (r % 2 === 1) pair.reverse();
      for (const measure of pair) {
        await settle();
        await measure();
      }
      // With a per-file fdatasync (curl does none): shows what that durability costs on this disk.
      await settle();
      syncRates.push(await ours(r + 1000, true));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const best = (xs: number[]) => Math.max(...xs);
    const mbps = (x: number) => Math.round((x / 1e6) * 10) / 10;
    const result = {
      bench: 'export-throughput',
      files,
      fileMiB: mib,
      totalMB: Math.round(totalBytes / 1e6),
      concurrency,
      rounds,
      oursMBps: oursRates.map(mbps),
      curlMBps: curlRates.map(mbps),
      oursMedianMBps: mbps(median(oursRates)),
      curlMedianMBps: mbps(median(curlRates)),
      ratio: Math.round((median(oursRates) / median(curlRates)) * 100) / 100,
      oursBestMBps: mbps(best(oursRates)),
      oursSyncEachFileMBps: syncRates.map(mbps),
      syncEachFileRatio: Math.round((median(syncRates) / median(curlRates)) * 100) / 100,
      curlBestMBps: mbps(best(curlRates)),
      oursCpuSecondsPerRun: oursCpu.map((x) => Math.round(x * 100) / 100),
      curlCpuSecondsPerRun: curlCpu.map((x) => Math.round(x * 100) / 100),
      emulatorCpuSecondsPerRun: emuCpu,
      bestRatio: Math.round((best(oursRates) / best(curlRates)) * 100) / 100,
      // The machine is shared: the load average says how much the figures can be trusted.
      loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
      cores: os.cpus().length,
      target: 0.9,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    emu.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(1);
});
