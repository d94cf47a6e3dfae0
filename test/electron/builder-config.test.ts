// electron-builder.yml cannot be exercised here (no Electron binary), so it is checked the way
// electron-builder itself checks it (its schema validator), plus the choices that matter.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(s: string): any };
const config = yaml.load(fs.readFileSync('electron-builder.yml', 'utf8'));

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds the real targets and never publishes', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.publish).toBeNull();
    expect(JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts.dist).toContain('--publish never');
  });

  it('ships only the built bundles, with the keychain module unpacked and libsecret as a dependency', () => {
    expect(config.files.filter((f: string) => !f.startsWith('!'))).toEqual(['dist/**', 'package.json']);
    expect(config.asarUnpack.some((p: string) => p.includes('@napi-rs/keyring'))).toBe(true);
    expect(config.deb.depends).toContain('libsecret-1-0');
    expect(config.productName).toBe('Batch Desk');
  });

  it('ships no packages beside the bundles but the native keychain module (electron-builder copies every dependency)', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    expect(Object.keys(pkg.dependencies)).toEqual(['@napi-rs/keyring']);
  });

  it("gives the app a command of its own on Linux, not the npm command line's name, and leaves the CLI bundle out", () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    expect(Object.keys(pkg.bin)).toEqual(['batch-desk']);
    expect(config.linux.executableName).toBe('batch-desk-app');
    expect(config.files).toContain('!dist/cli.js');
  });

  it('flips the fuses that close the usual doors', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
