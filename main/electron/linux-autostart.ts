// Start at login on Linux: Electron's login-item API covers only macOS and Windows, so this writes
// the freedesktop autostart entry that GNOME, KDE, Xfce and the rest read at login
// ($XDG_CONFIG_HOME/autostart/<name>.desktop), and removes it to turn it off. No electron import.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const AUTOSTART_FILE = 'batch-desk.desktop';

export function autostartDir(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(configHome, 'autostart');
}

/**
 * One argument of an Exec line (Desktop Entry spec, "The Exec key"): quoted when it holds anything
 * but plain characters, with `"`, `` ` ``, `$` and `\` escaped inside the quotes; `%` doubled (field
 * codes); then, as the value is a string, every backslash doubled once more.
 */
export function execArgument(arg: string): string {
  let quoted = /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/["`$\\]/g, '\\$&')}"`;
  quoted = quoted.replace(/%/g, '%%');
  return quoted.replace(/\\/g, '\\\\');
}

export function autostartEntry(command: readonly string[]): string {
  if (command.some((a) => /[\n\r]/.test(a))) throw new Error('A start-at-login command cannot hold a line break.');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Batch Desk',
    'Comment=Keeps folder watches running in the tray',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Writes (atomically) or removes the autostart entry; `command` is the program and its arguments. */
export function setLinuxAutostart(enabled: boolean, command: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const file = path.join(autostartDir(env), AUTOSTART_FILE);
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, autostartEntry(command), { mode: 0o644 });
  fs.renameSync(tmp, file);
}
