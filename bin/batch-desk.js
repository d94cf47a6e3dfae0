#!/usr/bin/env node
// Launcher for the headless command line. `npm install` builds dist/ (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('batch-desk is not built yet. Run `npm run build` in the project folder.');
  process.exit(1);
}
await import(cli.href);
