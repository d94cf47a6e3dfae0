// Run as a child process (`tsx test/security/keychain-probe.ts <mode> [args]`) so the keychain can be
// tried under a chosen D-Bus environment. Prints one JSON line.
import { osKeychain } from '../../main/engine/keychain/os-keychain';
import { createAppHost } from '../../main/host/app-host';
import { keychainRoundTrip } from './keychain-roundtrip';

const [mode, dataDir, apiUrl, apiKey] = process.argv.slice(2);

async function main(): Promise<unknown> {
  if (mode === 'status') return osKeychain().status();
  if (mode === 'roundtrip') return keychainRoundTrip(dataDir!, apiUrl!, apiKey!);
  if (mode === 'host') {
    const app = createAppHost({ dataDir: dataDir!, platform: { mode: 'web' }, env: {} });
    const list = await app.host.invoke('profiles:list', {});
    const inKeychain = await app.host.invoke('profiles:add', { apiKey, apiUrl, storage: 'keychain' });
    const inMemory = await app.host.invoke('profiles:add', { apiKey, apiUrl, storage: 'memory' });
    await app.close();
    return { list, inKeychain, inMemory };
  }
  throw new Error(`unknown mode ${mode}`);
}

main().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (err) => {
    process.stdout.write(JSON.stringify({ error: String((err as Error).message) }) + '\n');
    process.exit(1);
  },
);
