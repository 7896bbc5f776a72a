/**
 * HTTP/2 between proxies over mTLS while both workload certificates rotate, over real sockets:
 * node:http2 clients (h2c, prior knowledge) → outbound proxy → h2 by ALPN over mTLS with secure
 * naming → inbound proxy (STRICT) → the application. Under a bounded load both certificate sets
 * are replaced twice; no request fails, both proxies count the rotations, and a new handshake
 * with the server gets the renewed certificate and h2 — the open session keeps its keys.
 */
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricsText, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';
import { spiffe, TestCa, writeCertDir } from '../security/helpers/ca';

const ECHO = spiffe('shop', 'echo');
const FRONTEND = spiffe('web', 'frontend');
let app: Upstream;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  app = await startUpstream('app');
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await app.close();
});

function get(session: ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = session.request({ ':path': path, ':authority': 'echo' });
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', () => {});
    req.on('end', () => resolve(status));
    req.on('error', () => resolve(0));
    req.setTimeout(10_000, () => req.close());
  });
}

it('rotates both certificates under HTTP/2 load with 0 failed requests', async () => {
  const ca = await TestCa.create();
  const serverDir = writeCertDir(await ca.issue([ECHO]));
  const clientDir = writeCertDir(await ca.issue([FRONTEND]));
  const files = (d: ReturnType<typeof writeCertDir>) => ({ certFile: d.certFile, keyFile: d.keyFile, caFile: d.caFile, pollIntervalMs: 50 });
  const inbound = await startProxy({
    workload: { service: 'echo', namespace: 'shop', version: 'v1' },
    listeners: { inbound: { host: '127.0.0.1', port: 0, http2: true, app: { port: app.port } }, admin: { port: 0 } },
    security: { mtls: { mode: 'STRICT', files: files(serverDir) } },
  } as never);
  proxies.push(inbound);
  const outbound = await startProxy({
    workload: { service: 'frontend', namespace: 'web', version: 'v1' },
    listeners: { outbound: { host: '127.0.0.1', port: 0, http2: true }, admin: { port: 0 } },
    security: { mtls: { mode: 'DISABLE', files: files(clientDir) } },
    services: [{ name: 'echo', namespace: 'shop', protocol: 'http2', hosts: ['echo'], tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: [ECHO] }, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: inbound.inbound }] }] }],
  } as never);
  proxies.push(outbound);

  // A direct client of the server's inbound port, with a certificate of its own from the mesh CA.
  const creds = await ca.issue([FRONTEND]);
  const handshake = () =>
    new Promise<{ serial: string; alpn: string | false | null }>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: inbound.inbound, ca: ca.pem, cert: creds.cert, key: creds.key, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined }, () => {
        resolve({ serial: s.getPeerCertificate().serialNumber, alpn: s.alpnProtocol });
        s.destroy();
      });
      s.on('error', reject);
    });
  const before = await handshake();
  expect(before.alpn).toBe('h2');

  const session = h2connect(`http://127.0.0.1:${outbound.outbound}`);
  const total = 300;
  let next = 0;
  let done = 0;
  let failures = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const status = await get(session, `/load?i=${next}`);
      if (status !== 200) failures++;
      done++;
    }
  };
  const waitDone = async (n: number) => {
    const end = Date.now() + 30_000;
    while (done < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  };
  try {
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await waitDone(50);
    writeCertDir(await ca.issue([ECHO]), serverDir.dir);
    await waitDone(120);
    writeCertDir(await ca.issue([FRONTEND]), clientDir.dir);
    await waitDone(190);
    writeCertDir(await ca.issue([ECHO]), serverDir.dir);
    await load;
  } finally {
    session.close();
  }
  expect(done).toBe(total);
  expect(failures).toBe(0);
  // Rotations are picked up by polling (50 ms): wait, bounded, until both proxies counted theirs.
  const rotated = async (admin: number) => {
    for (let i = 0; i < 800; i++) {
      if (/weft_proxy_certificate_rotations_total [1-9]/.test(await metricsText(admin))) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  };
  expect(await rotated(inbound.admin)).toBe(true);
  expect(await rotated(outbound.admin)).toBe(true);
  const after = await handshake();
  expect(after.alpn).toBe('h2');
  expect(after.serial).not.toBe(before.serial);
});
