// Start at login on Linux, as a desktop session would read it: the autostart entry passes
// `desktop-file-validate`, and GLib's own launcher (`gio launch`, what GNOME runs at login) starts
// the program with exactly the arguments it was given, however odd its path. Turning it off
// removes the entry. Then the same through the Electron glue (fake `electron` module).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron'));

import * as fake from './fake-electron';
import { applyStartAtLogin } from '../../main/electron/desktop-shell';
import { AUTOSTART_FILE, setLinuxAutostart } from '../../main/electron/linux-autostart';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(label: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `bd-${label}-`));
  made.push(d);
  return d;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('start at login on Linux', () => {
  it('writes an entry the desktop launches with exactly our arguments, and removes it when turned off', async () => {
    const config = tmp('autostart-config');
    const env = { ...process.env, XDG_CONFIG_HOME: config };
    // A program in a folder whose name holds every character the Exec line must escape.
    const odd = path.join(tmp('autostart-app'), `Batch "Desk" $HOME \`x\` 100% back\\slash ~é`);
    fs.mkdirSync(odd);
    const program = path.join(odd, 'record-argv.cjs');
    const record = path.join(config, 'argv.json');
    fs.writeFileSync(program, `require('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`);
    const args = ['--hidden', 'two words', '%u', "it's"];

    setLinuxAutostart(true, [process.execPath, program, ...args], env);
    const entry = path.join(config, 'autostart', AUTOSTART_FILE);
    expect(execFileSync('desktop-file-validate', [entry], { encoding: 'utf8' })).toBe('');

    execFileSync('gio', ['launch', entry], { env });
    await until(() => fs.existsSync(record), 'the launched program');
    expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toEqual(args);

    setLinuxAutostart(false, [], env);
    expect(fs.existsSync(entry)).toBe(false);
    setLinuxAutostart(false, [], env); // already off: nothing to do, no error
  });

  it('is what the Electron glue does on Linux: the app (or the AppImage), hidden', () => {
    expect(process.platform).toBe('linux');
    const config = tmp('autostart-glue');
    const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, APPIMAGE: process.env.APPIMAGE };
    process.env.XDG_CONFIG_HOME = config;
    try {
      fake.app.setPath('exe', '/opt/Batch Desk/batch-desk');
      fake.app.isPackaged = true;
      applyStartAtLogin(true);
      const entry = fs.readFileSync(path.join(config, 'autostart', AUTOSTART_FILE), 'utf8');
      expect(entry).toContain('\nExec="/opt/Batch Desk/batch-desk" --hidden\n');

      process.env.APPIMAGE = '/home/op/Apps/Batch-Desk.AppImage';
      applyStartAtLogin(true);
      expect(fs.readFileSync(path.join(config, 'autostart', AUTOSTART_FILE), 'utf8')).toContain('\nExec=/home/op/Apps/Batch-Desk.AppImage --hidden\n');

      applyStartAtLogin(false);
      expect(fs.existsSync(path.join(config, 'autostart', AUTOSTART_FILE))).toBe(false);
      expect(fake.app.loginItems).toEqual([]); // the macOS/Windows API is not used on Linux
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
