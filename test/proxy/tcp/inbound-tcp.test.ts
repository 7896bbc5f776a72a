/**
 * Inbound TCP over real sockets: a raw TCP client (a database client that speaks no CONNECT)
 * connects to its proxy's local bind port, which carries the bytes over mTLS to the destination
 * proxy's inbound TCP listener, which authorizes the caller's SPIFFE principal at L4 and pipes to
 * an echo server. Also: a denied principal is closed before reaching the application, STRICT
 * closes plaintext, secure naming refuses a wrong server identity, Istio's L4 reading of
 * HTTP-only rule fields, and the destination-side istio_tcp_* metrics.
 */
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, startProxy, type TestProxy } from '../helpers/proxy';
import { spiffe, TestCa, writeCertDir } from '../security/helpers/ca';
import { l4Policy, L4Authorizer } from '../../../src/proxy/security/l4-authorization';
import { loaded } from '../helpers/proxy';

const DATA = spiffe('commerce', 'data-service');
const ORDER = spiffe('commerce', 'order-service');
const USER = spiffe('commerce', 'user-service');

let ca: TestCa;
let echo: Server;
let echoPort: number;
let echoAccepted = 0;
const proxies: TestProxy[] = [];

const files = (dir: ReturnType<typeof writeCertDir>) => ({ certFile: dir.certFile, keyFile: dir.keyFile, caFile: dir.caFile, pollIntervalMs: 50 });

/** The destination: data-service's proxy with an inbound TCP listener in front of the echo server. */
async function dataProxy(authorization: Record<string, unknown>, mode: 'STRICT' | 'PERMISSIVE' = 'STRICT'): Promise<{ proxy: TestProxy; port: number }> {
  const certs = writeCertDir(await ca.issue([DATA]));
  const proxy = await startProxy({
    workload: { service: 'data-service', namespace: 'commerce', version: 'v1' },
    listeners: { admin: { port: 0 } },
    inboundTcpListeners: [{ name: 'data-service-5432', host: '127.0.0.1', port: 0, app: { port: echoPort } }],
    security: { mtls: { mode, files: files(certs) }, authorization },
  } as never);
  proxies.push(proxy);
  return { proxy, port: proxy.proxy.ports.inboundTcp!['data-service-5432']! };
}

/** A caller's proxy with a local bind port for data-service, presenting `identity`. */
async function callerProxy(identity: string, dataPort: number, expectedServer = DATA): Promise<{ proxy: TestProxy; bind: number }> {
  const certs = writeCertDir(await ca.issue([identity]));
  const proxy = await startProxy({
    workload: { service: 'caller', namespace: 'commerce', version: 'v1' },
    listeners: { admin: { port: 0 } },
    services: [
      {
        name: 'data-service',
        namespace: 'commerce',
        subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: dataPort }] }],
        tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: [expectedServer] },
      },
    ],
    tcpListeners: [{ name: 'data-service', host: '127.0.0.1', port: 0, destinations: [{ service: 'data-service' }] }],
    // A caller without inbound listeners: its certificate serves outbound mTLS only (mode DISABLE, as the weft target writes).
    security: { mtls: { mode: 'DISABLE', files: files(certs) } },
  } as never);
  proxies.push(proxy);
  return { proxy, bind: proxy.proxy.ports.tcp!['data-service']! };
}

/** Sends `payload` on a raw TCP connection; resolves with what came back before the close (bounded). */
function roundTrip(port: number, payload: string): Promise<{ echoed: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let echoed = '';
    const done = (closed: boolean): void => {
      s.destroy();
      resolve({ echoed, closed });
    };
    s.setTimeout(10_000, () => done(false));
    s.on('connect', () => s.write(payload));
    s.on('data', (d: Buffer) => {
      echoed += d.toString();
      if (echoed.length >= payload.length) done(false);
    });
    s.on('error', () => undefined);
    s.on('close', () => done(true));
  });
}

/** Sum of a metric's samples whose label text contains every fragment. */
function total(text: string, metric: string, ...fragments: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) && fragments.every((f) => l.includes(f)))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

beforeAll(async () => {
  ca = await TestCa.create();
  echo = createServer((c) => {
    echoAccepted++;
    c.on('error', () => c.destroy());
    c.pipe(c);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as AddressInfo).port;
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await new Promise((r) => echo.close(r));
});

describe('inbound TCP listener behind a local bind port', () => {
  const onlyOrders = { policies: [{ name: 'orders-only', namespace: 'commerce', action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/commerce/sa/order-service'] } }] }] }] };

  it('carries a raw TCP client through bind port → mTLS → inbound TCP → application, with destination metrics', async () => {
    const data = await dataProxy(onlyOrders);
    const order = await callerProxy(ORDER, data.port);
    const payload = 'SELECT 1;\n'.repeat(100);
    const r = await roundTrip(order.bind, payload);
    expect(r.echoed).toBe(payload);
    const m = await metricsText(data.proxy.admin);
    const labels = ['reporter="destination"', `source_principal="${ORDER}"`, 'connection_security_policy="mutual_tls"', 'destination_service_name="data-service"'];
    expect(total(m, 'istio_tcp_connections_opened_total', ...labels)).toBe(1);
    // The close is counted when both sides have gone: wait for it, bounded.
    for (let i = 0; i < 400 && total(await metricsText(data.proxy.admin), 'istio_tcp_connections_closed_total', ...labels) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const after = await metricsText(data.proxy.admin);
    expect(total(after, 'istio_tcp_connections_closed_total', ...labels)).toBe(1);
    expect(total(after, 'istio_tcp_received_bytes_total', ...labels)).toBe(payload.length);
    expect(total(after, 'istio_tcp_sent_bytes_total', ...labels)).toBe(payload.length);
  });

  it('closes a denied principal before a byte reaches the application, and counts the denial', async () => {
    const data = await dataProxy(onlyOrders);
    const user = await callerProxy(USER, data.port);
    const before = echoAccepted;
    const r = await roundTrip(user.bind, 'DROP TABLE orders;');
    expect(r).toEqual({ echoed: '', closed: true });
    expect(echoAccepted).toBe(before);
    expect(total(await metricsText(data.proxy.admin), 'weft_proxy_tcp_denied_total', 'listener="data-service-5432"', 'policy="none"')).toBe(1);
  });

  it('STRICT closes a plaintext client; PERMISSIVE lets it through without a principal', async () => {
    const strict = await dataProxy({ policies: [] });
    expect(await roundTrip(strict.port, 'plain')).toEqual({ echoed: '', closed: true });
    const permissive = await dataProxy({ policies: [] }, 'PERMISSIVE');
    expect((await roundTrip(permissive.port, 'plain')).echoed).toBe('plain');
    expect(total(await metricsText(permissive.proxy.admin), 'istio_tcp_connections_opened_total', 'source_principal="unknown"', 'connection_security_policy="none"')).toBe(1);
  });

  it('a plaintext client is denied by a principal rule under PERMISSIVE (no identity, no match)', async () => {
    const data = await dataProxy(onlyOrders, 'PERMISSIVE');
    expect(await roundTrip(data.port, 'plain')).toEqual({ echoed: '', closed: true });
  });

  it('secure naming: the bind port refuses a server that proves another identity (UF)', async () => {
    const data = await dataProxy({ policies: [] });
    const order = await callerProxy(ORDER, data.port, spiffe('commerce', 'impostor'));
    expect(await roundTrip(order.bind, 'x')).toEqual({ echoed: '', closed: true });
    expect(total(await metricsText(order.proxy.admin), 'istio_tcp_connections_closed_total', 'response_flags="UF"')).toBe(1);
  });

  it('authorizes ports and namespaces on the application port', async () => {
    const wrongPort = await dataProxy({ policies: [{ name: 'p', namespace: 'commerce', action: 'ALLOW', rules: [{ to: [{ operation: { ports: [echoPort + 1 > 65535 ? 1 : echoPort + 1] } }] }] }] });
    expect((await roundTrip((await callerProxy(ORDER, wrongPort.port)).bind, 'x')).closed).toBe(true);
    const rightPort = await dataProxy({ policies: [{ name: 'p', namespace: 'commerce', action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['commerce'] } }], to: [{ operation: { ports: [echoPort] } }] }] }] });
    expect((await roundTrip((await callerProxy(ORDER, rightPort.port)).bind, 'x')).echoed).toBe('x');
  });
});

describe('inbound TCP listener: limits, drain, config checks', () => {
  it('closes a connection over maxConnections (UO) and keeps the first', async () => {
    const certs = writeCertDir(await ca.issue([DATA]));
    const p = await startProxy({
      workload: { service: 'data-service', namespace: 'commerce', version: 'v1' },
      listeners: { admin: { port: 0 } },
      inboundTcpListeners: [{ name: 'one', host: '127.0.0.1', port: 0, app: { port: echoPort }, maxConnections: 1 }],
      security: { mtls: { mode: 'PERMISSIVE', files: files(certs) } },
    } as never);
    proxies.push(p);
    const port = p.proxy.ports.inboundTcp!.one!;
    const first = connect({ host: '127.0.0.1', port });
    first.on('error', () => undefined);
    await new Promise<void>((r) => first.once('connect', () => r()));
    first.write('a');
    await new Promise<void>((r) => first.once('data', () => r()));
    expect(await roundTrip(port, 'b')).toEqual({ echoed: '', closed: true });
    expect(total(await metricsText(p.admin), 'istio_tcp_connections_closed_total', 'response_flags="UO"')).toBe(1);
    first.destroy();
  });

  it('a drain ends within its budget even while a TCP connection stays open', async () => {
    const p = await startProxy({
      workload: { service: 'data-service', namespace: 'commerce', version: 'v1' },
      listeners: { admin: { port: 0 } },
      inboundTcpListeners: [{ name: 'long', host: '127.0.0.1', port: 0, app: { port: echoPort } }],
    } as never);
    const s = connect({ host: '127.0.0.1', port: p.proxy.ports.inboundTcp!.long! });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('x');
    await new Promise<void>((r) => s.once('data', () => r()));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    await p.proxy.drain(200);
    await closed;
    expect(s.destroyed).toBe(true);
  });

  it('rejects configs that cannot hold: JWT without the HTTP inbound listener, duplicate names, a port used twice', () => {
    const base = { version: 1, workload: { service: 'd', namespace: 'n' }, listeners: { admin: { port: 0 } } } as const;
    const tcp = (name: string, port: number) => ({ name, port, app: { port: 5432 } });
    expect(() => loaded({ ...base, inboundTcpListeners: [tcp('a', 15100)], security: { jwt: [{ name: 'j', issuer: 'i', jwks: '{"keys":[]}' }] } } as never)).toThrow(/JWT authentication applies to the HTTP inbound listener/);
    expect(() => loaded({ ...base, inboundTcpListeners: [tcp('a', 15100), tcp('a', 15101)] } as never)).toThrow(/duplicate inbound TCP listener "a"/);
    expect(() => loaded({ ...base, inboundTcpListeners: [tcp('a', 15100), tcp('b', 15100)] } as never)).toThrow(/port 15100 is also used/);
    // STRICT mTLS and authorization are fine with only an inbound TCP listener.
    expect(() => loaded({ ...base, inboundTcpListeners: [tcp('a', 15100)], security: { authorization: { policies: [{ name: 'p', namespace: 'n', action: 'ALLOW', rules: [] }] } } } as never)).not.toThrow();
  });
});

describe("Istio's L4 reading of HTTP-only fields", () => {
  const req = { principal: 'cluster.local/ns/commerce/sa/order-service', peerAddress: '10.0.0.7', port: 5432 };
  const policy = (action: 'ALLOW' | 'DENY', rules: unknown[]) => ({ name: 'p', namespace: 'commerce', action, rules }) as never;

  it('an ALLOW rule with methods/paths never matches: the workload is denied', () => {
    const rule = { from: [{ source: { principals: ['*'] } }], to: [{ operation: { methods: ['GET'] } }] };
    expect(l4Policy(policy('ALLOW', [rule])).rules).toEqual([]);
    expect(new L4Authorizer({ policies: [policy('ALLOW', [rule])], trustedXffHops: 0 }).check(req).allowed).toBe(false);
  });

  it('a DENY rule matches without its HTTP-only fields (the more restrictive reading)', () => {
    const rule = { from: [{ source: { namespaces: ['commerce'], requestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/admin'] } }], when: [{ key: 'request.headers[x-a]', values: ['1'] }] };
    const d = new L4Authorizer({ policies: [policy('DENY', [rule])], trustedXffHops: 0 }).check(req);
    expect(d).toEqual({ allowed: false, policy: 'ns[commerce]-policy[p]-rule[0]' });
    expect(new L4Authorizer({ policies: [policy('DENY', [rule])], trustedXffHops: 0 }).check({ ...req, principal: 'cluster.local/ns/web/sa/x' }).allowed).toBe(true);
  });

  it('L4 fields keep their meaning: ipBlocks on the peer address, source.ip and destination.port conditions', () => {
    const a = new L4Authorizer({
      policies: [policy('ALLOW', [{ from: [{ source: { ipBlocks: ['10.0.0.0/24'] } }], when: [{ key: 'destination.port', values: ['5432'] }] }])],
      trustedXffHops: 0,
    });
    expect(a.check(req).allowed).toBe(true);
    expect(a.check({ ...req, peerAddress: '10.0.1.7' }).allowed).toBe(false);
    expect(a.check({ ...req, port: 5433 }).allowed).toBe(false);
  });
});
