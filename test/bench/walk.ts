// Walk benchmark: 1,000,000 files (generated once under /tmp, reused) walked by the ingest walker,
// and planned (walk + batch names + plan written to disk), against `find <dir> -type f | wc -l`.
// Each measured run is its own process, so peak RSS is the run's own. Prints JSON (medians of N runs).
//   npx tsx test/bench/walk.ts [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureWalkTree, WALK_DIR, WALK_FILES } from './walk-tree';
import { walkBatches } from '../../main/engine/walk/walker';
import { buildPlan } from '../../main/engine/ingest/plan';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(mode: string): Promise<void> {
  const base = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  let files = 0;
  if (mode === 'walk') {
    // The batches the plan consumes.
    for await (const batch of walkBatches([WALK_DIR])) for (const item of batch) if (item.type === 'file') files++;
  } else {
    const itemDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-plan-'));
    const s = await buildPlan(itemDir, { roots: [WALK_DIR], followSymlinks: false, shardFiles: 256, shardBytes: 256 << 20 });
    files = s.images;
    fs.rmSync(itemDir, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const usage = process.resourceUsage();
  const peakRssMb = usage.maxRSS / 1024;
  // CPU of the whole process (startup included): user is JS and Node, system mostly the kernel's stat and getdents.
  const cpu = { userSeconds: usage.userCPUTime / 1e6, systemSeconds: usage.systemCPUTime / 1e6 };
  process.stdout.write(JSON.stringify({ files, seconds, peakRssMb, baseRssMb: base / 1048576, ...cpu }) + '\n');
}

interface ChildResult {
  files: number;
  seconds: number;
  peakRssMb: number;
  baseRssMb: number;
  userSeconds: number;
  systemSeconds: number;
}

function measure(mode: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/** `find -type f` reads names only (d_type); with `-printf '%s %T@'` it stats every file, as a plan must. */
function findRun(withStat = false): { files: number; seconds: number } {
  const t0 = process.hrtime.bigint();
  const printf = withStat ? ` -printf '%s %T@ %p\\n'` : '';
  const out = execFileSync('sh', ['-c', `find '${WALK_DIR}' -type f${printf} | wc -l`], { encoding: 'utf8' });
  return { files: Number(out.trim()), seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--child');
  if (i >= 0) return child(process.argv[i + 1]!);
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3) || 3;
  ensureWalkTree();
  const loadBefore = os.loadavg()[0]!;
  findRun(); // warm the cache for everyone alike
  const find = Array.from({ length: runs }, () => findRun());
  const findStat = Array.from({ length: runs }, () => findRun(true));
  const findStatS = median(findStat.map((r) => r.seconds));
  const walks = Array.from({ length: runs }, () => measure('walk'));
  const plans = Array.from({ length: runs }, () => measure('plan'));
  const findS = median(find.map((r) => r.seconds));
  const walkS = median(walks.map((r) => r.seconds));
  const planS = median(plans.map((r) => r.seconds));
  const cpuOf = (rs: ChildResult[]) => ({ user: +median(rs.map((r) => r.userSeconds)).toFixed(2), system: +median(rs.map((r) => r.systemSeconds)).toFixed(2) });
  console.log(
    JSON.stringify({
      bench: 'walk',
      files: WALK_FILES,
      runs,
      findSeconds: findS,
      walkSeconds: walkS,
      walkVsFind: +(walkS / findS).toFixed(2),
      findWithStatSeconds: findStatS,
      walkVsFindWithStat: +(walkS / findStatS).toFixed(2),
      walkPeakRssMb: Math.round(median(walks.map((r) => r.peakRssMb))),
      walkCpuSeconds: cpuOf(walks),
      planSeconds: planS,
      planVsFind: +(planS / findS).toFixed(2),
      planVsFindWithStat: +(planS / findStatS).toFixed(2),
      planPeakRssMb: Math.round(median(plans.map((r) => r.peakRssMb))),
      planCpuSeconds: cpuOf(plans),
      processBaseRssMb: Math.round(median(walks.map((r) => r.baseRssMb))),
      loadAverage: { before: +loadBefore.toFixed(2), after: +os.loadavg()[0]!.toFixed(2) },
      filesSeen: { find: find[0]!.files, walk: walks[0]!.files, plan: plans[0]!.files },
    }),
  );
}

await main();
