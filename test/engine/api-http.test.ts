// The API client against a plain HTTP server on loopback: a Retry-After too long to sit out fails
// the call at once, saying how long the service asked for (adding a profile used to hang for it),
// and an accepted "not found" is taken whatever its body (a proxy's HTML page).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RoboflowHttp } from '../../main/engine/roboflow/http';

let server: http.Server;
let http429 = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url!.startsWith('/busy')) {
      http429++;
      res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' }).end('{"error":"slow down"}');
    } else if (req.url!.startsWith('/gone')) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = () => new RoboflowHttp({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'api-http-test-key' });

it('fails at once, saying so, when the service asks to wait an hour', async () => {
  const err = client().json('resolve workspace', 'GET', '/busy');
  await expect(err).rejects.toThrow(/asks to wait 1h.* before trying again\.$/);
  await expect(err).rejects.toMatchObject({ retryable: true, retryAfterMs: 3_600_000 }); // for a caller that retries later (the uploader)
  expect(http429).toBe(1); // asked once, not sat out
});

it('takes an accepted 404 as "not there" even when its body is not JSON', async () => {
  expect(await client().jsonWithStatus('find batch', 'GET', '/gone', { acceptStatus: [404] })).toEqual({ status: 404, body: {} });
});
