// Real-browser tests of the operator console: Debian's Chromium against `batch-desk serve` and the
// Roboflow API emulator (both started by the fixtures in test/e2e/stack.ts). One worker: the machine
// is shared, and each test starts its own stack.
import { defineConfig } from '@playwright/test';

// Several people run tests in this tree at once, and Playwright empties its output folder when a run
// starts: each run (and its workers, which inherit the environment) gets its own.
process.env.BATCH_DESK_PW_RUN ??= `${Date.now()}-${process.pid}`;

const reporters = process.env.BATCH_DESK_PW_REPORTERS === 'json' ? [['json'] as const, ['list'] as const] : [['list'] as const];

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: `test-results/e2e-${process.env.BATCH_DESK_PW_RUN}`,
  reporter: reporters,
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.BATCH_DESK_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
