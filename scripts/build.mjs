// Builds every runnable part: the headless CLI (also the web host), the Electron main bundle, the
// sandboxed preload (one CommonJS file) and the renderer (Vite). Fast enough to run before tests.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const only = process.argv.includes('--no-renderer') ? 'node' : 'all';
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const define = { __BATCH_DESK_VERSION__: JSON.stringify(pkg.version) };

fs.mkdirSync(dist, { recursive: true });

await Promise.all([
  // CLI and web host (ESM output, Node 20): dependencies bundled too, except the native keyring.
  // Loading undici, tar-stream and chokidar file by file from node_modules (resolving, reading and
  // compiling ~150 CommonJS modules) took ~60 ms of every command's ~390 ms start here. The banner
  // gives the bundled CommonJS code the `require` it calls for Node's own modules.
  esbuild({
    entryPoints: { cli: path.join(root, 'main/cli/main.ts') },
    outdir: dist,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['@napi-rs/keyring'],
    banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
    sourcemap: true,
    define,
    logLevel: 'warning',
  }),
  // Electron main: everything bundled (chokidar 5 is ESM-only) except electron and native addons.
  esbuild({
    entryPoints: { main: path.join(root, 'main/electron/main.ts') },
    outdir: path.join(dist, 'electron'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['electron', '@napi-rs/keyring'],
    sourcemap: true,
    define,
    logLevel: 'warning',
  }),
  // Preload: sandboxed renderers can only require('electron'), so it must be one self-contained CJS file.
  esbuild({
    entryPoints: { preload: path.join(root, 'preload/index.ts') },
    outdir: path.join(dist, 'electron'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'chrome130',
    format: 'cjs',
    external: ['electron'],
    logLevel: 'warning',
  }),
]);

if (only === 'all') {
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}
console.log(`built ${path.relative(process.cwd(), dist) || 'dist'}/ (${only === 'all' ? 'cli, electron, preload, renderer' : 'cli, electron, preload'})`);
