import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';
import { freePorts } from '../../src/local/ports';

let up: Upstream;
let p: TestProxy;

beforeAll(async () => {
  up = await startUpstream('up');
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [{ name: 'svc', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: up.port }] }] }],
    routes: [
      { name: 'slow', hosts: ['svc'], match: { path: { prefix: '/slow' } }, timeoutMs: 200, action: { type: 'forward', destinations: [{ service: 'svc' }] } },
      { name: 'all', hosts: ['svc'], action: { type: 'forward', destinations: [{ service: 'svc' }] } },
    ],
  });
});
afterAll(async () => {
  await p.close();
  await up.close();
});

/**
 * Writes raw bytes to a listener and returns what it answers: by default until a response head
 * has arrived or the proxy closes (bounded at 10 s, a condition rather than a guess at its speed);
 * with `disconnectMs`, the client goes away after that long whatever came back.
 */
function raw(port: number, bytes: string, disconnectMs?: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
      if (disconnectMs === undefined && out.includes('\r\n\r\n')) s.destroy();
    });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.write(bytes);
    setTimeout(() => s.destroy(), disconnectMs ?? 10_000);
  });
}

/** Waits (bounded) until the admin's metrics match: they are recorded when an exchange ends, which may trail the client's view. */
async function metricsMatching(admin: number, ...patterns: RegExp[]): Promise<string> {
  let m = await metricsText(admin);
  for (let i = 0; i < 400 && !patterns.every((p) => p.test(m)); i++) {
    await sleep(25);
    m = await metricsText(admin);
  }
  return m;
}

const healthy = async () => expect((await send(p.outbound, 'svc', '/ok')).status).toBe(200);

describe('upstream failures', () => {
  it('connection reset before the response: 503 UC', async () => {
    const r = await send(p.outbound, 'svc', '/?reset=1');
    expect(r.status).toBe(503);
    expect(r.headers['x-weft-response-flags']).toBe('UC');
    await healthy();
  });

  it('upstream killed mid-response: the client sees a truncated response (reset), never a fake success', async () => {
    const r = await send(p.outbound, 'svc', '/?killmid=1');
    expect(r.status === 0 || r.status === -1).toBe(true);
    await healthy();
    const uc = /response_code="200",grpc_response_status="",response_flags="UC"/;
    expect(await metricsMatching(p.admin, uc)).toMatch(uc);
  });

  it('upstream process killed while requests are in flight: 503s, then recovery when it is back', async () => {
    // Its port is bound again after the crash: picked below the ephemeral range, where no other
    // process's listen(0) takes it meanwhile (src/local/ports.ts).
    const [victimPort] = await freePorts(1);
    const victim = await startUpstream('victim', { port: victimPort });
    const q = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'v', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: victim.port }] }] }],
    });
    victim.defaultDelay = 10_000;
    const inflight = Array.from({ length: 3 }, () => send(q.outbound, 'v', '/'));
    // All three at the upstream (a condition, not a sleep), held there when it dies.
    for (let i = 0; i < 800 && victim.count() < 3; i++) await sleep(25);
    expect(victim.count()).toBe(3);
    await victim.close(); // destroys every open socket, like a crash
    const results = await Promise.all(inflight);
    for (const r of results) {
      expect(r.status).toBe(503);
      expect(r.headers['x-weft-response-flags']).toBe('UC');
    }
    const down = await send(q.outbound, 'v', '/');
    expect(down.status).toBe(503);
    expect(down.headers['x-weft-response-flags']).toBe('UF');
    const back = await startUpstream('victim', { port: victim.port });
    expect((await send(q.outbound, 'v', '/')).status).toBe(200);
    await q.close();
    await back.close();
  });

  it('slow upstream: the route timeout answers 504 UT and the late answer is dropped', async () => {
    const r = await send(p.outbound, 'svc', '/slow?delay=600');
    expect(r.status).toBe(504);
    expect(r.headers['x-weft-response-flags']).toBe('UT');
    await sleep(50);
    await healthy();
  });

  it('malformed upstream response: 502 UPE', async () => {
    const r = await send(p.outbound, 'svc', '/?malformed=1');
    expect(r.status).toBe(502);
    expect(r.headers['x-weft-response-flags']).toBe('UPE');
    await healthy();
  });
});

describe('malformed client traffic', () => {
  it('garbage request line → 400 and the proxy carries on', async () => {
    expect(await raw(p.outbound, 'HELLO WORLD\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await healthy();
  });

  it('invalid header → 400; oversized headers → 431; conflicting framing → 400', async () => {
    expect(await raw(p.outbound, 'GET / HTTP/1.1\r\nHost: svc\r\nBad Header: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(p.outbound, `GET / HTTP/1.1\r\nHost: svc\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await raw(p.outbound, 'POST / HTTP/1.1\r\nHost: svc\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await healthy();
  });

  it('bad absolute-form target → 400; CONNECT to an undeclared authority → 404 (tunnels: test/proxy/connect)', async () => {
    expect(await raw(p.outbound, 'GET http://[bad/x HTTP/1.1\r\nHost: svc\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(p.outbound, 'CONNECT unknown.example:443 HTTP/1.1\r\nHost: unknown.example:443\r\n\r\n')).toMatch(/^HTTP\/1\.1 404/);
    await healthy();
    expect(await metricsText(p.admin)).toMatch(/weft_proxy_downstream_client_errors_total\{listener="outbound"\} [1-9]/);
  });

  it('client that disconnects mid-request (headers sent, body never finished) does not hurt the proxy', async () => {
    await raw(p.outbound, 'POST / HTTP/1.1\r\nHost: svc\r\nContent-Length: 1000\r\n\r\nabc', 50);
    // Client gone while the upstream works: it leaves once the upstream has the request (a
    // condition — after a fixed 50 ms a loaded proxy may not have forwarded it yet).
    const gone = connect(p.outbound, '127.0.0.1');
    gone.on('error', () => {});
    gone.write('GET /?delay=3000&gone=1 HTTP/1.1\r\nHost: svc\r\n\r\n');
    for (let i = 0; i < 400 && !up.received.some((r) => r.url === '/?delay=3000&gone=1'); i++) await sleep(25);
    gone.destroy();
    await healthy();
    // The upstream answers the abandoned request after 3 s (held past the client's leaving); then nothing is active any more.
    const m = await metricsMatching(p.admin, /response_flags="DC"/, /weft_proxy_requests_active\{listener="outbound"\} 0/);
    expect(m).toMatch(/response_flags="DC"/);
    expect(m).toMatch(/weft_proxy_requests_active\{listener="outbound"\} 0/);
  });
});
