import { startEmulator } from './server';
import { execFile } from 'node:child_process'; import { promisify } from 'node:util'; const ex = promisify(execFile);
const emu = await startEmulator({ apiKeys: ['k'], timeScale: 0 });
const r = await fetch(`${emu.url}/data-staging/v1/external/sandbox/batches/v/upload/video?api_key=k&fileName=a.mp4`, { method: 'POST' });
const d = (await r.json() as any).signedURLDetails;
const t0 = Date.now();
const out = (await ex('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{speed_upload}', '-T', '/tmp/emu-scratch/big.bin', '-H', `x-goog-content-length-range: ${d.extensionHeaders['x-goog-content-length-range']}`, d.uploadURL])).stdout;
console.log(out, Date.now() - t0);
await emu.stop();
