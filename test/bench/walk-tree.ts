// Generates (once) the benchmark tree: 1,000 folders × 1,000 files of 64 bytes under
// /tmp/bd-bench-walk-1m (override with BENCH_WALK_DIR / BENCH_WALK_FILES). Reused across runs.
import fs from 'node:fs';
import path from 'node:path';

export const WALK_DIR = process.env.BENCH_WALK_DIR ?? '/tmp/bd-bench-walk-1m';
export const WALK_FILES = Number(process.env.BENCH_WALK_FILES ?? 1_000_000);

export function ensureWalkTree(dir = WALK_DIR, files = WALK_FILES): string {
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === String(files)) return dir;
  const perDir = 1000;
  const body = Buffer.alloc(64, 1);
  for (let d = 0; d * perDir < files; d++) {
    const sub = path.join(dir, `cam${String(d).padStart(4, '0')}`, `day${d % 7}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let i = 0; i < perDir && d * perDir + i < files; i++) fs.writeFileSync(path.join(sub, `img_${String(i).padStart(4, '0')}.jpg`), body);
  }
  fs.writeFileSync(marker, String(files));
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t = Date.now();
  ensureWalkTree();
  console.log(JSON.stringify({ tree: WALK_DIR, files: WALK_FILES, seconds: (Date.now() - t) / 1000 }));
}
