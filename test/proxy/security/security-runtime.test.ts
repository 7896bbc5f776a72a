import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { securitySchema } from '../../../src/proxy/config/security-schema';
import { SecurityRuntime } from '../../../src/proxy/security/security-runtime';

let server: Server;
let hits = 0;
beforeAll(async () => {
  server = createServer((_q, res) => {
    hits++;
    res.end(JSON.stringify({ keys: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise((r) => server.close(r)));

it('shares one JWT authenticator (JWKS cache, verified tokens) between runtimes of the same rules', async () => {
  const config = securitySchema.parse({ jwt: [{ name: 'idp', issuer: 'https://idp', jwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, jwksCacheMs: 3_600_000 }] });
  const first = new SecurityRuntime(config, 8080);
  await first.jwt.ready();
  // A reload or a discovery update builds the next runtime before the old one stops.
  const second = new SecurityRuntime(config, 8080);
  first.stop();
  expect(second.jwt).toBe(first.jwt);
  expect(hits).toBe(1);
  second.stop();
  // Once the last user stopped, a new runtime starts afresh (and fetches again).
  const third = new SecurityRuntime(config, 8080);
  await third.jwt.ready();
  expect(third.jwt).not.toBe(first.jwt);
  expect(hits).toBe(2);
  third.stop();
});
