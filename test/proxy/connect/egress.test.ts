/**
 * Egress to external services through CONNECT over real sockets: a real TLS server stands in
 * for an external HTTPS API on 127.0.0.1; the client opens a CONNECT tunnel to the declared
 * `api.payments.example:443` and runs TLS inside it with that SNI, verified end to end (the
 * proxy passes TLS through, never terminates it); an undeclared authority passes through only
 * when the outbound listener allows it (ALLOW_ANY) and is refused (404) otherwise.
 */
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, startProxy, type TestProxy } from '../helpers/proxy';
import { TestCa } from '../security/helpers/ca';

let ca: TestCa;
let api: TlsServer;
let apiPort: number;
let strict: TestProxy;
let open: TestProxy;
const sni: string[] = [];

function config(passthrough: boolean) {
  return {
    workload: { service: 'orders', namespace: 'commerce', version: 'v1' },
    listeners: { outbound: { host: '127.0.0.1', port: 0, passthrough }, admin: { port: 0 } },
    services: [{ name: 'payments-api', namespace: 'commerce', hosts: [], subsets: [{ name: 'external', endpoints: [{ address: '127.0.0.1', port: apiPort }] }] }],
    tcpListeners: [{ name: 'commerce/payments-api:443', connectAuthorities: ['api.payments.example:443'], destinations: [{ service: 'payments-api', subset: 'external' }] }],
  };
}

beforeAll(async () => {
  ca = await TestCa.create('egress-ca');
  const cert = await ca.issueServer(['api.payments.example', 'other.example']);
  api = createTlsServer({ cert: cert.cert, key: cert.key, SNICallback: (name, cb) => (sni.push(name), cb(null)) }, (req, res) => {
    const body = `paid ${req.url}`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  apiPort = await new Promise<number>((r) => api.listen(0, '127.0.0.1', () => r((api.address() as { port: number }).port)));
  strict = await startProxy(config(false) as never);
  open = await startProxy(config(true) as never);
});
afterAll(async () => {
  await Promise.all([strict?.close(), open?.close()]);
  api.closeAllConnections();
  await new Promise<void>((r) => api.close(() => r()));
});

/** CONNECT through the proxy, then HTTPS inside the tunnel with `servername`; status 0 when the tunnel was refused. */
function viaTunnel(proxyPort: number, authority: string, servername: string): Promise<{ connect: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const raw = netConnect({ host: '127.0.0.1', port: proxyPort });
    const timer = setTimeout(() => (raw.destroy(), reject(new Error('timed out'))), 10_000);
    raw.once('connect', () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`));
    let head = '';
    const onData = (c: Buffer): void => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      raw.off('data', onData);
      const connect = Number(head.slice(9, 12));
      if (connect !== 200) {
        clearTimeout(timer);
        raw.destroy();
        return resolve({ connect, status: 0, body: '' });
      }
      // TLS inside the tunnel, the SNI and the certificate check the client's own.
      const tls = tlsConnect({ socket: raw, servername, ca: ca.pem });
      let reply = '';
      tls.on('secureConnect', () => tls.write(`GET /charge HTTP/1.1\r\nhost: ${servername}\r\nconnection: close\r\n\r\n`));
      tls.on('data', (d: Buffer) => (reply += d.toString()));
      tls.on('end', () => {
        clearTimeout(timer);
        resolve({ connect, status: Number(reply.slice(9, 12)), body: reply.slice(reply.indexOf('\r\n\r\n') + 4) });
      });
      tls.on('error', reject);
    };
    raw.on('data', onData);
    raw.on('error', reject);
  });
}

describe('egress through CONNECT', () => {
  it('passes TLS through to a declared external service; the client\'s SNI and the server certificate are end to end', async () => {
    const r = await viaTunnel(strict.outbound, 'api.payments.example:443', 'api.payments.example');
    expect(r).toEqual({ connect: 200, status: 200, body: 'paid /charge' });
    expect(sni).toContain('api.payments.example');
    const m = await metricsText(strict.admin);
    expect(m).toMatch(/istio_tcp_connections_opened_total\{[^}]*destination_service_name="payments-api"/);
  });

  it('refuses an undeclared authority (REGISTRY_ONLY) and passes it through when allowed (ALLOW_ANY)', async () => {
    const refused = await viaTunnel(strict.outbound, 'other.example:443', 'other.example');
    expect(refused.connect).toBe(404);
    // With passthrough the proxy connects to the authority as asked: 127.0.0.1:<port>, the stand-in API.
    const passed = await viaTunnel(open.outbound, `127.0.0.1:${apiPort}`, 'other.example');
    expect(passed).toEqual({ connect: 200, status: 200, body: 'paid /charge' });
    const m = await metricsText(open.admin);
    expect(m).toMatch(/istio_tcp_connections_opened_total\{[^}]*destination_service_name="PassthroughCluster"/);
  });
});
