// `npm test`: every test — type-check, unit and integration (vitest, inside a real Secret Service
// session for the keychain test), and the real-browser tests (Playwright in Debian's Chromium).
// Missing prerequisites fail the run with what to install; nothing is skipped quietly.
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const CHROMIUM = process.env.BATCH_DESK_CHROMIUM ?? '/usr/bin/chromium';
const needs = [
  [CHROMIUM, 'chromium', 'the browser tests'],
  [which('dbus-run-session'), 'dbus', 'the keychain test (a D-Bus session)'],
  [which('gnome-keyring-daemon'), 'gnome-keyring', 'the keychain test (a Secret Service)'],
  [which('curl'), 'curl', 'the emulator walk-through and benchmarks'],
  [which('desktop-file-validate'), 'desktop-file-utils', 'the start-at-login test (validates the autostart entry)'],
  [which('gio'), 'libglib2.0-bin', 'the start-at-login test (launches the autostart entry as GNOME does)'],
  [which('openssl'), 'openssl', 'the HTTPS download test (makes its certificate)'],
  // Root ignores permission bits: the "permission denied" export test makes a folder immutable.
  ...(process.getuid?.() === 0 ? [[which('chattr'), 'e2fsprogs', 'the permission-denied test when run as root']] : []),
];
const missing = needs.filter(([file]) => !file || !fs.existsSync(file));
if (missing.length) {
  console.error('Cannot run the tests; missing:');
  for (const [, pkg, why] of missing) console.error(`  ${pkg} — needed for ${why}`);
  console.error(`Install them with: sudo apt-get install -y ${missing.map(([, p]) => p).join(' ')}`);
  process.exit(1);
}

const only = process.argv.slice(2);
const want = (part) => only.length === 0 || only.includes(part);
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedSteps = [];

function step(name, cmd, args, opts = {}) {
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) failedSteps.push(name);
  return r.status === 0;
}

if (want('typecheck')) step('type-check', 'npm', ['run', '--silent', 'typecheck']);
step('build', process.execPath, ['scripts/build.mjs']);

if (want('unit')) {
  const vitestJson = path.join(reports, 'vitest.json');
  const keyringHome = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-keyring-'));
  // A private D-Bus session with an unlocked gnome-keyring: the keychain test talks to a real Secret Service.
  const vitest = `npx vitest run --reporter=default --reporter=json --outputFile.json=${vitestJson}`;
  step('unit and integration tests (vitest)', 'dbus-run-session', [
    '--',
    'sh',
    '-c',
    `echo -n batch-desk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ${vitest}`,
  ], {
    // A fresh keyring folder each run: an existing login keyring with another password would need
    // an interactive prompt to unlock (and the run must not touch the operator's own keyring).
    env: { BATCH_DESK_KEYCHAIN_TEST: '1', XDG_DATA_HOME: keyringHome },
  });
  fs.rmSync(keyringHome, { recursive: true, force: true });
  count(vitestJson, (j) => ({ passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + (j.numTodoTests ?? 0) }));
}

if (want('browser')) {
  const pwJson = path.join(reports, 'playwright.json');
  step('browser tests (Playwright, Chromium)', 'npx', ['playwright', 'test'], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson, BATCH_DESK_PW_REPORTERS: 'json' },
  });
  count(pwJson, (j) => ({ passed: j.stats?.expected ?? 0, failed: (j.stats?.unexpected ?? 0) + (j.stats?.flaky ?? 0), skipped: j.stats?.skipped ?? 0 }));
}

function count(file, pick) {
  try {
    const c = pick(JSON.parse(fs.readFileSync(file, 'utf8')));
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
  } catch {
    // the runner died before writing its report; its step already failed
  }
}

function which(bin) {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

fs.rmSync(reports, { recursive: true, force: true });
if (failedSteps.length) console.error(`\nFailed: ${failedSteps.join(', ')}`);
if (totals.skipped > 0) {
  console.error(`${totals.skipped} tests were skipped; every test must run.`);
  failedSteps.push('skipped tests');
}
// A failed step that counted no failed test (the type-check, the build, a runner that crashed)
// still counts as one failure, so the closing line never reads "0 failed" on a red run.
const failed = totals.failed > 0 ? totals.failed : failedSteps.length > 0 ? 1 : 0;
console.log(`\n${totals.passed} passed, ${failed} failed`);
process.exit(failedSteps.length ? 1 : 0);
