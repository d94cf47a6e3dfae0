// A bandwidth cap changed in Settings acts on the transfers under way (one limiter for the whole
// process), not only on uploads that start later; taking it off lets them run free at once.
import { afterEach, expect, it } from 'vitest';
import { processBandwidth } from '../../main/engine/ingest/bandwidth';
import { testApp } from './fixture';

const apps: ReturnType<typeof testApp>[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  processBandwidth.setRate(0);
});

it('a cap set in Settings paces the running transfers at once, and clearing it lifts it', async () => {
  const app = testApp();
  apps.push(app);
  expect(processBandwidth.bytesPerSecond).toBe(0);
  const capped = await app.host.invoke('settings:set', { transfer: { bandwidthLimit: 2_000_000 } });
  expect(capped.ok).toBe(true);
  expect(processBandwidth.bytesPerSecond).toBe(2_000_000);


  await app.host.invoke('settings:set', { transfer: { bandwidthLimit: 0 } });
  expect(processBandwidth.bytesPerSecond).toBe(0);
  // Other settings leave the cap alone.
  await app.host.invoke('settings:set', { transfer: { bandwidthLimit: 1_000_000 } });
  await app.host.invoke('settings:set', { notifications: false });
  expect(processBandwidth.bytesPerSecond).toBe(1_000_000);
});
