import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { extractArchive } from '../../main/engine/export/extract';

type Member = { name: string; data?: string; type?: 'file' | 'symlink' | 'link' | 'directory'; linkname?: string };

async function makeArchive(members: Member[], gzip: boolean): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(Buffer.from(c as Uint8Array)));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      m.type && m.type !== 'file'
        ? pack.entry({ name: m.name, type: m.type, linkname: m.linkname, mode: 0o644 }, '', (err?: Error | null) => (err ? reject(err) : resolve()))
        : pack.entry({ name: m.name, type: 'file', mode: 0o644 }, m.data ?? '', (err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await ended;
  const raw = Buffer.concat(chunks);
  return gzip ? zlib.gzipSync(raw) : raw;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function listAll(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

describe.each([false, true])('safe extraction (gzip %s)', (gzip) => {
  /** A sandbox with an empty target folder two levels down, and the archive of `members` beside it. */
  async function sandboxWith(members: Member[]) {
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-extract-'));
    dirs.push(sandbox);
    const target = path.join(sandbox, 'out', 'target');
    fs.mkdirSync(target, { recursive: true });
    const archive = path.join(sandbox, gzip ? 'a.tar.gz' : 'a.tar');
    fs.writeFileSync(archive, await makeArchive(members, gzip));
    return { sandbox, target, archive };
  }

  it('refuses .., absolute members and links leading outside; writes nothing outside the target', async () => {
    const { sandbox, target, archive } = await sandboxWith([
      { name: 'predictions/ok.jsonl', data: '{"file_name":"a.png"}\n' },
      { name: '../escape.txt', data: 'x' },
      { name: 'predictions/../../escape2.txt', data: 'x' },
      { name: '/tmp/absolute-bd-test.txt', data: 'x' },
      { name: 'out-link', type: 'symlink', linkname: '../../' },
      { name: 'abs-link', type: 'symlink', linkname: '/etc' },
      { name: 'hard', type: 'link', linkname: '../escape.txt' },
      { name: 'pre-link/through-link.txt', data: 'x' },
      { name: 'in-link', type: 'symlink', linkname: 'predictions/ok.jsonl' },
    ]);
    // A link already in the target that leads outside must not be followed either.
    fs.mkdirSync(path.join(sandbox, 'elsewhere'));
    fs.symlinkSync(path.join(sandbox, 'elsewhere'), path.join(target, 'pre-link'));
    const before = listAll(sandbox);
    const res = await extractArchive(archive, target);

    expect(fs.readFileSync(path.join(target, 'predictions/ok.jsonl'), 'utf8')).toContain('a.png');
    expect(fs.readlinkSync(path.join(target, 'in-link'))).toBe('predictions/ok.jsonl');
    const refused = res.refused.map((r) => r.name).sort();
    expect(refused).toEqual(
      ['../escape.txt', 'predictions/../../escape2.txt', '/tmp/absolute-bd-test.txt', 'out-link', 'abs-link', 'hard', 'pre-link/through-link.txt'].sort(),
    );
    for (const r of res.refused) expect(r.reason).toMatch(/outside|absolute/);
    // Nothing new appeared outside the target.
    const after = listAll(sandbox).filter((p) => !p.startsWith(path.join('out', 'target')));
    expect(after).toEqual(before.filter((p) => !p.startsWith(path.join('out', 'target'))));
    expect(fs.existsSync('/tmp/absolute-bd-test.txt')).toBe(false);
    expect(fs.readdirSync(path.join(sandbox, 'elsewhere'))).toEqual([]);
  });

  it('refuses a link that climbs out from where an earlier link really put it, and link targets that are not plain', async () => {
    const { target, archive } = await sandboxWith([
      { name: 's', type: 'symlink', linkname: '.' },
      // "s/s/s" is the target folder itself: "../../.." from there is three levels above it
      { name: 's/s/s/up', type: 'symlink', linkname: '../../..' },
      { name: 'twisty', type: 'symlink', linkname: 'a/b/../..' },
    ]);
    const res = await extractArchive(archive, target);
    expect(res.refused.map((r) => [r.name, r.reason]).sort()).toEqual([
      ['s/s/s/up', 'link leads outside the target'],
      ['twisty', 'link target is not a plain relative path'],
    ]);
    expect(fs.readdirSync(target)).toEqual(['s']);
  });
});
