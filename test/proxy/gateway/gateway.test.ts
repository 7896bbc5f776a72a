/**
 * The Weft proxy as an ingress gateway, over real sockets on 127.0.0.1: one listener per
 * gateway server, host routing to the gateway's routes, TLS termination SIMPLE and MUTUAL with
 * certificates from a throwaway CA (LocalCa, @peculiar/x509) in a TLS Secret's file layout,
 * HTTP → HTTPS redirect, HTTP/2 by ALPN, edge headers, and a renewed server certificate picked
 * up without a restart.
 */
import { connect as h2connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, metricsText, send, sleep, startProxy, type Reply, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';
import { TestCa, writeCertDir, type Issued } from '../security/helpers/ca';

let ca: TestCa;
let foreignCa: TestCa;
let users: Upstream;
let web: Upstream;
let gw: TestProxy;
let serverDir: ReturnType<typeof writeCertDir>;
let partnerDir: ReturnType<typeof writeCertDir>;
let partnerClient: Issued;
let foreignClient: Issued;

const port = (name: string): number => gw.proxy.ports.gateway![name]!;

interface TlsOptions {
  host?: string;
  client?: Issued | null;
  headers?: Record<string, string>;
}

/** One HTTPS request to a gateway server; status 0 when the handshake or the request failed. */
function sendTls(p: number, path: string, o: TlsOptions = {}): Promise<Reply & { serial: string }> {
  const start = performance.now();
  const host = o.host ?? 'shop.example.com';
  return new Promise((resolve) => {
    let serial = '';
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: p,
        path,
        servername: host.replace(/:\d+$/, ''),
        headers: { host, ...o.headers },
        agent: false,
        ca: ca.pem,
        ...(o.client ? { cert: o.client.cert, key: o.client.key } : {}),
        timeout: 10_000,
        checkServerIdentity: (_h: string, cert: PeerCertificate) => {
          serial = cert.serialNumber;
          return undefined;
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - start, serial }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: e.message, ms: performance.now() - start, serial }));
    req.end();
  });
}

beforeAll(async () => {
  [ca, foreignCa, users, web] = await Promise.all([TestCa.create('gateway-test-ca'), TestCa.create('foreign-ca'), startUpstream('users'), startUpstream('web')]);
  serverDir = writeCertDir(await ca.issueServer(['shop.example.com']));
  partnerDir = writeCertDir(await ca.issueServer(['api.partner.example']));
  partnerClient = await ca.issueServer(['client.partner.example']);
  foreignClient = await foreignCa.issueServer(['client.partner.example']);
  const files = (d: ReturnType<typeof writeCertDir>, withCa: boolean) => ({ certFile: d.certFile, keyFile: d.keyFile, ...(withCa ? { caFile: d.caFile } : {}), pollIntervalMs: 50 });
  gw = await startProxy({
    workload: { service: 'public', namespace: 'ingress', version: 'gateway', instance: 'public-gw-1' },
    listeners: {
      admin: { port: 0 },
      gateway: [
        { name: 'https-443', host: '127.0.0.1', port: 0, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', files: files(serverDir, false) } },
        { name: 'http-80', host: '127.0.0.1', port: 0, hosts: ['shop.example.com'], httpsRedirect: true },
        { name: 'partner', host: '127.0.0.1', port: 0, hosts: ['*.partner.example'], tls: { mode: 'MUTUAL', files: files(partnerDir, true) } },
        { name: 'any', host: '127.0.0.1', port: 0, hosts: ['*'] },
      ],
    },
    services: [
      { name: 'users', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: users.port }] }] },
      { name: 'web', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: web.port }] }] },
    ],
    routes: [
      { name: 'public/users', hosts: ['shop.example.com'], match: { path: { prefix: '/users' } }, action: { type: 'forward', destinations: [{ service: 'users' }] } },
      { name: 'public/storefront', hosts: ['shop.example.com'], match: { path: { prefix: '/' } }, action: { type: 'forward', destinations: [{ service: 'web' }] } },
      { name: 'partner/api', hosts: ['api.partner.example'], action: { type: 'forward', destinations: [{ service: 'users' }] } },
    ],
  } as never);
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([users?.close(), web?.close()]);
});

describe('gateway servers', () => {
  it('terminates SIMPLE TLS and routes by host and path to the gateway routes', async () => {
    const r = await sendTls(port('https-443'), '/users/7?x=1');
    expect(r.status).toBe(200);
    expect(json(r).upstream).toBe('users');
    expect(json(r).url).toBe('/users/7?x=1');
    const s = await sendTls(port('https-443'), '/cart');
    expect(s.status).toBe(200);
    expect(json(s).upstream).toBe('web');
  });

  it('answers 404 NR for a host the server does not serve, and never reaches a service by its mesh name', async () => {
    const other = await sendTls(port('https-443'), '/users', { host: 'evil.example.com' });
    expect(other.status).toBe(404);
    // The catch-all server serves every host, but only through declared routes: "users" is a mesh host, not a route's.
    const before = users.count();
    const mesh = await send(port('any'), 'users', '/users');
    expect(mesh.status).toBe(404);
    expect(users.count()).toBe(before);
    const routed = await send(port('any'), 'shop.example.com', '/users');
    expect(routed.status).toBe(200);
  });

  it('redirects plain HTTP to HTTPS with 301, keeping host (without port), path and query', async () => {
    const r = await send(port('http-80'), 'shop.example.com:80', '/users/7?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://shop.example.com/users/7?x=1');
    expect((await send(port('http-80'), 'other.example.com', '/')).status).toBe(404);
  });

  it('sets the edge headers: the gateway identity replaces a client-sent x-weft-peer; x-forwarded-proto and -for', async () => {
    const r = await sendTls(port('https-443'), '/users', { headers: { 'x-weft-peer': 'forged;shop;admin;v9;x', 'x-forwarded-for': '203.0.113.9' } });
    const h = json(r).headers as Record<string, string>;
    expect(h['x-weft-peer']).toMatch(/^public-gateway;ingress;public;gateway;/);
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-for']).toMatch(/^203\.0\.113\.9, (::ffff:)?127\.0\.0\.1$/);
    const plain = json(await send(port('any'), 'shop.example.com', '/users'));
    expect(plain.headers['x-forwarded-proto']).toBe('http');
  });

  it('MUTUAL accepts a client certificate from the declared CA and rejects none or a foreign one', async () => {
    const ok = await sendTls(port('partner'), '/orders', { host: 'api.partner.example', client: partnerClient });
    expect(ok.status).toBe(200);
    expect(json(ok).upstream).toBe('users');
    const none = await sendTls(port('partner'), '/orders', { host: 'api.partner.example', client: null });
    expect(none.status).toBe(0);
    const foreign = await sendTls(port('partner'), '/orders', { host: 'api.partner.example', client: foreignClient });
    expect(foreign.status).toBe(0);
    const m = await metricsText(gw.admin);
    expect(m).toMatch(/weft_proxy_gateway_tls_handshakes_total\{server="partner",result="rejected"\} [2-9]/);
    expect(m).toMatch(/istio_requests_total\{[^}]*reporter="source"[^}]*destination_service_name="users"/);
  });

  it('serves HTTP/2 negotiated by ALPN', async () => {
    const session = h2connect(`https://127.0.0.1:${port('https-443')}`, { ca: ca.pem, servername: 'shop.example.com' });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':path': '/users/h2', ':authority': 'shop.example.com' });
        let status = 0;
        const chunks: Buffer[] = [];
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
        req.on('error', reject);
        req.setTimeout(10_000, () => req.close());
      });
      expect(status).toBe(200);
      expect(JSON.parse(body).upstream).toBe('users');
    } finally {
      session.close();
    }
  });

  it('picks up a renewed server certificate for new handshakes without a restart', async () => {
    const first = await sendTls(port('https-443'), '/users');
    expect(first.serial).not.toBe('');
    const renewed = await ca.issueServer(['shop.example.com']);
    writeCertDir(renewed, serverDir.dir);
    const expected = new (await import('node:crypto')).X509Certificate(renewed.cert).serialNumber;
    // The files are polled every 50 ms: wait (bounded) until a new handshake sees the new certificate.
    let seen = first.serial;
    for (let i = 0; i < 200 && seen !== expected; i++) {
      await sleep(50);
      const r = await sendTls(port('https-443'), '/users');
      expect(r.status).toBe(200);
      seen = r.serial;
    }
    expect(seen).toBe(expected);
  });

  it('a raw TLS client without SNI or with a wrong CA fails the handshake, not the process', async () => {
    const failed = await new Promise<boolean>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: port('https-443'), ca: foreignCa.pem, servername: 'shop.example.com' });
      s.once('secureConnect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    expect(failed).toBe(true);
    expect((await sendTls(port('https-443'), '/users')).status).toBe(200);
  });
});
