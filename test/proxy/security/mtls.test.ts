/**
 * mTLS between Weft proxies over real sockets, with certificates from a throwaway CA written in
 * cert-manager's layout: PeerAuthentication modes, SPIFFE identities, secure naming, expired and
 * foreign certificates, peer-header trust, and rotation under load with no failed request.
 */
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, metricsText, requestsTotal, send, startProxy, type Reply, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';
import { spiffe, TestCa, writeCertDir, type Issued } from './helpers/ca';

let ca: TestCa;
let foreignCa: TestCa;
let app: Upstream;
let serverCerts: ReturnType<typeof writeCertDir>;
let frontend: Issued;
let batch: Issued;
const proxies: TestProxy[] = [];

const PRODUCTPAGE = spiffe('shop', 'productpage');
const FRONTEND = spiffe('web', 'frontend');

function mtlsFiles(dir: ReturnType<typeof writeCertDir>) {
  return { certFile: dir.certFile, keyFile: dir.keyFile, caFile: dir.caFile, pollIntervalMs: 50 };
}

async function inboundProxy(mode: 'STRICT' | 'PERMISSIVE', extra: Record<string, unknown> = {}): Promise<TestProxy> {
  const p = await startProxy({
    listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
    security: { mtls: { mode, files: mtlsFiles(serverCerts) }, ...extra },
  } as never);
  proxies.push(p);
  return p;
}

/** One HTTPS request with a client certificate; resolves status 0 on a refused/failed handshake. */
function sendTls(port: number, client: Issued | null, path = '/', opts: { expectServer?: string; headers?: Record<string, string> } = {}): Promise<Reply & { serverSans: string }> {
  const start = performance.now();
  return new Promise((resolve) => {
    let serverSans = '';
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { host: 'productpage', ...opts.headers },
        agent: false,
        ca: client?.ca ?? ca.pem,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        timeout: 10_000,
        checkServerIdentity: (_h: string, cert: PeerCertificate) => {
          serverSans = cert.subjectaltname ?? '';
          return opts.expectServer && !serverSans.includes(opts.expectServer) ? new Error(`server is ${serverSans}`) : undefined;
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - start, serverSans }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: e.message, ms: performance.now() - start, serverSans }));
    req.end();
  });
}

beforeAll(async () => {
  [ca, foreignCa, app] = await Promise.all([TestCa.create(), TestCa.create('foreign-ca'), startUpstream('app')]);
  serverCerts = writeCertDir(await ca.issue([PRODUCTPAGE]));
  frontend = await ca.issue([FRONTEND]);
  batch = await ca.issue([spiffe('jobs', 'batch')]);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await app.close();
});

describe('PeerAuthentication modes', () => {
  it('STRICT rejects plaintext and accepts mTLS with a SPIFFE identity', async () => {
    const p = await inboundProxy('STRICT');
    const plain = await send(p.inbound, 'productpage', '/plain');
    expect(plain.status).toBe(0);
    const ok = await sendTls(p.inbound, frontend, '/tls', { expectServer: PRODUCTPAGE });
    expect(ok.status).toBe(200);
    expect(json(ok).url).toBe('/tls');
    expect(ok.serverSans).toContain(PRODUCTPAGE);
    const m = await metricsText(p.admin);
    expect(m).toMatch(/weft_proxy_inbound_connections_total\{transport="rejected"\} 1\b/);
    expect(m).toMatch(/weft_proxy_inbound_connections_total\{transport="mtls"\} 1\b/);
  });

  it('PERMISSIVE accepts plaintext and mTLS on the same port', async () => {
    const p = await inboundProxy('PERMISSIVE');
    expect((await send(p.inbound, 'productpage', '/plain')).status).toBe(200);
    expect((await sendTls(p.inbound, frontend, '/tls')).status).toBe(200);
  });

  it('rejects a client certificate without a client cert, expired, from a foreign CA, or from another trust domain', async () => {
    const p = await inboundProxy('STRICT');
    expect((await sendTls(p.inbound, null)).status).toBe(0);
    expect((await sendTls(p.inbound, await ca.issue([FRONTEND], { expired: true }))).status).toBe(0);
    const foreign = await foreignCa.issue([FRONTEND]);
    expect((await sendTls(p.inbound, { ...foreign, ca: ca.pem })).status).toBe(0);
    expect((await sendTls(p.inbound, await ca.issue([spiffe('web', 'frontend', 'evil.local')]))).status).toBe(0);
    expect((await sendTls(p.inbound, await ca.issue(['https://not-spiffe.example/x']))).status).toBe(0);
    expect((await sendTls(p.inbound, frontend)).status).toBe(200);
    expect(await metricsText(p.admin)).toMatch(/weft_proxy_inbound_connections_total\{transport="rejected"\} 5\b/);
  });

  it('takes the principal for authorization from the verified certificate only', async () => {
    const p = await inboundProxy('PERMISSIVE', {
      authorization: { policies: [{ name: 'frontend-only', namespace: 'shop', action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }] }] }] },
    });
    expect((await sendTls(p.inbound, frontend)).status).toBe(200);
    const denied = await sendTls(p.inbound, batch);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('RBAC: access denied');
    // Plaintext cannot claim an identity, neither through x-weft-peer nor anything else.
    const plain = await send(p.inbound, 'productpage', '/', { headers: { 'x-weft-peer': 'frontend-v1;web;frontend;v1;Kubernetes' } });
    expect(plain.status).toBe(403);
    const m = await metricsText(p.admin);
    expect(requestsTotal(m, 'response_code="403"', 'source_workload="unknown"')).toBe(2);
  });
});

describe('proxy to proxy', () => {
  let clientCerts: ReturnType<typeof writeCertDir>;
  beforeAll(async () => {
    clientCerts = writeCertDir(await ca.issue([FRONTEND]));
  });

  async function outboundTo(inbound: number, sans: string[], pool: Record<string, unknown> = {}): Promise<TestProxy> {
    const p = await startProxy({
      workload: { service: 'frontend', namespace: 'web', version: 'v1' },
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      security: { mtls: { mode: 'DISABLE', files: mtlsFiles(clientCerts) } },
      services: [{ name: 'productpage', namespace: 'shop', tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: sans }, connectionPool: pool, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: inbound }] }] }],
    } as never);
    proxies.push(p);
    return p;
  }

  it('carries traffic over mTLS with secure naming, and the destination sees the caller identity', async () => {
    const server = await inboundProxy('STRICT', {
      authorization: { policies: [{ name: 'frontend-only', namespace: 'shop', action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }] }] }] },
    });
    const client = await outboundTo(server.inbound, [PRODUCTPAGE]);
    const r = await send(client.outbound, 'productpage', '/through');
    expect(r.status).toBe(200);
    expect(json(r).url).toBe('/through');
    const m = await metricsText(server.admin);
    expect(requestsTotal(m, 'reporter="destination"', 'source_workload="frontend-v1"', 'response_code="200"')).toBe(1);
  });

  it('refuses a server whose SPIFFE id is not the expected one (SAN mismatch): 503 UF', async () => {
    const server = await inboundProxy('STRICT');
    const client = await outboundTo(server.inbound, [spiffe('shop', 'reviews')]);
    const r = await send(client.outbound, 'productpage', '/mismatch');
    expect(r.status).toBe(503);
    expect(r.headers['x-weft-response-flags']).toContain('UF');
    expect(app.received.some((x) => x.url === '/mismatch')).toBe(false);
  });

  it('rotates certificates on both sides under load with 0 failed requests', async () => {
    const serverDir = writeCertDir(await ca.issue([PRODUCTPAGE]));
    const server = await startProxy({
      listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
      security: { mtls: { mode: 'STRICT', files: mtlsFiles(serverDir) } },
    } as never);
    proxies.push(server);
    // Few requests per connection: new handshakes keep happening while the files change.
    const client = await outboundTo(server.inbound, [PRODUCTPAGE], { maxRequestsPerConnection: 3 });
    const serial = () =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: server.inbound, ca: ca.pem, cert: frontend.cert, key: frontend.key, checkServerIdentity: () => undefined }, () => {
          resolve(s.getPeerCertificate().serialNumber);
          s.destroy();
        });
        s.on('error', reject);
      });
    const before = await serial();
    let failures = 0;
    let done = 0;
    const total = 300;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const r = await send(client.outbound, 'productpage', `/load?i=${next}`);
        if (r.status !== 200) failures++;
        done++;
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    const waitDone = async (n: number) => {
      const end = Date.now() + 20_000;
      while (done < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    };
    await waitDone(60);
    writeCertDir(await ca.issue([PRODUCTPAGE]), serverDir.dir);
    await waitDone(140);
    writeCertDir(await ca.issue([FRONTEND]), clientCerts.dir);
    await waitDone(220);
    writeCertDir(await ca.issue([PRODUCTPAGE]), serverDir.dir);
    await load;
    expect(done).toBe(total);
    expect(failures).toBe(0);
    const after = await serial();
    expect(after).not.toBe(before);
    expect(await metricsText(server.admin)).toMatch(/weft_proxy_certificate_rotations_total [1-9]/);
    expect(await metricsText(client.admin)).toMatch(/weft_proxy_certificate_rotations_total [1-9]/);
  });
});
