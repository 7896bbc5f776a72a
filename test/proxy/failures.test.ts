import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

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

/** Writes raw bytes to a listener and returns everything it answers before closing. */
function raw(port: number, bytes: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.write(bytes);
    setTimeout(() => s.destroy(), waitMs);
  });
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
    await sleep(20);
    expect(await metricsText(p.admin)).toMatch(/response_code="200",grpc_response_status="",response_flags="UC"/);
  });

  it('upstream process killed while requests are in flight: 503s, then recovery when it is back', async () => {
    const victim = await startUpstream('victim');
    const q = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'v', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: victim.port }] }] }],
    });
    victim.defaultDelay = 300;
    const inflight = Array.from({ length: 3 }, () => send(q.outbound, 'v', '/'));
    await sleep(100);
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
    await raw(p.outbound, 'GET /?delay=200 HTTP/1.1\r\nHost: svc\r\n\r\n', 50); // client gone while upstream works
    await sleep(250);
    await healthy();
    const m = await metricsText(p.admin);
    expect(m).toMatch(/response_flags="DC"/);
    expect(m).toMatch(/weft_proxy_requests_active\{listener="outbound"\} 0/);
  });
});
