import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import net from 'node:net';
import { chooseStatus, EchoControlError, parseControls } from '../../src/echo/controls';
import { EchoServer, type EchoReply } from '../../src/echo/server';

describe('echo query controls', () => {
  it('parses a weighted status mix and picks by weight', () => {
    const c = parseControls(new URLSearchParams('status=503:20,200:80'));
    expect(c.status).toEqual([{ code: 503, weight: 20 }, { code: 200, weight: 80 }]);
    expect(chooseStatus(c, 1, () => 0.1)).toBe(503);
    expect(chooseStatus(c, 1, () => 0.2)).toBe(200);
    expect(chooseStatus(c, 1, () => 0.99)).toBe(200);
  });

  it('succeedAfter fails the first n attempts', () => {
    const c = parseControls(new URLSearchParams('succeedAfter=2&status=500'));
    expect([1, 2, 3].map((a) => chooseStatus(c, a))).toEqual([500, 500, 200]);
  });

  it('rejects malformed controls with a coded error', () => {
    expect(() => parseControls(new URLSearchParams('status=99'))).toThrow(EchoControlError);
    expect(() => parseControls(new URLSearchParams('delay=-1'))).toThrow(/delay=-1/);
    expect(() => parseControls(new URLSearchParams('header=nocolon'))).toThrow(/name/);
  });
});

describe('echo server on loopback', () => {
  let echo: EchoServer;
  let port: number;
  let proxyEcho: EchoServer;
  let forwarding: EchoServer;
  let forwardingPort: number;

  beforeAll(async () => {
    echo = new EchoServer({ service: 'reviews', version: 'v2', instance: 'reviews-v2-0' });
    port = await echo.listen();
    // The forward endpoint sends to its "outbound proxy"; here another echo plays that part, so the test sees exactly what was sent.
    proxyEcho = new EchoServer({ service: 'proxy', version: 'v1', instance: 'proxy-0' });
    const proxyPort = await proxyEcho.listen();
    forwarding = new EchoServer({ service: 'caller', version: 'v1', instance: 'caller-0', proxy: `http://127.0.0.1:${proxyPort}` });
    forwardingPort = await forwarding.listen();
  });
  afterAll(async () => {
    await Promise.all([echo.close(), proxyEcho.close(), forwarding.close()]);
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(`http://127.0.0.1:${port}${path}`, { headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? (JSON.parse(text) as EchoReply) : undefined };
  };

  it('answers who served the request and what it received', async () => {
    const r = await get('/a/b?x=1&x=2', { 'x-request-id': 'id-1', 'end-user': 'jason' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ service: 'reviews', version: 'v2', instance: 'reviews-v2-0', method: 'GET', path: '/a/b', query: { x: ['1', '2'] }, protocol: 'HTTP/1.1', peer: null, attempt: 1, requestId: 'id-1' });
    expect(r.body!.headers['end-user']).toBe('jason');
    expect(r.headers['x-weft-echo-version']).toBe('v2');
  });

  it('counts attempts per x-request-id and succeeds after n', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/?succeedAfter=2', { 'x-request-id': 'retry-1' })).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await get('/', { 'x-request-id': 'retry-1' })).body!.attempt).toBe(4);
    expect((await get('/', { 'x-request-id': 'other' })).body!.attempt).toBe(1);
  });

  it('counts mirrored copies (Host ending in -shadow) apart from direct requests', async () => {
    await get('/', { 'x-request-id': 'm-1' });
    await get('/', { 'x-request-id': 'm-1', host: 'reviews-shadow:9080' });
    await get('/', { 'x-request-id': 'm-2', host: 'reviews-shadow' });
    const seen = await (await request(`http://127.0.0.1:${port}/__weft/seen?prefix=m-`)).body.json();
    // the counts, and who counted them (a cluster run reads every instance's count through a sidecar)
    expect(seen).toEqual({ ids: 1, arrivals: 1, shadowIds: 2, shadowArrivals: 2, service: 'reviews', version: 'v2', instance: 'reviews-v2-0' });
  });

  it('delays, sets response headers, pads and resets', async () => {
    const t = performance.now();
    const r = await get('/?delay=150&header=x-powered-by:echo&header=cache-control:max-age%3D1&size=2000');
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    expect(r.headers['x-powered-by']).toBe('echo');
    expect(r.headers['cache-control']).toBe('max-age=1');
    expect(JSON.stringify(r.body).length).toBeGreaterThanOrEqual(1990);
    // reset: the socket closes without any response bytes
    const bytes = await new Promise<number>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /?reset HTTP/1.1\r\nhost: x\r\n\r\n'));
      let n = 0;
      s.on('data', (d) => (n += d.length));
      s.on('close', () => resolve(n));
    });
    expect(bytes).toBe(0);
  });

  it('rejects a bad control with 400 and its code', async () => {
    const res = await request(`http://127.0.0.1:${port}/?status=abc`);
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ error: 'WEFT_ECHO_BAD_CONTROL' });
  });

  it('forwards a batch through its outbound proxy with the callee as Host', async () => {
    const res = await request(`http://127.0.0.1:${forwardingPort}/__weft/forward`, {
      method: 'POST',
      body: JSON.stringify({ authority: 'ratings.shop:9080', requests: [{ method: 'GET', path: '/r?status=503', headers: { 'x-request-id': 'f-1' } }, { method: 'POST', path: '/w' }], concurrency: 2 }),
    });
    const { results } = (await res.body.json()) as { results: Array<{ status: number; body: string }> };
    expect(results.map((r) => r.status)).toEqual([503, 200]);
    const first = JSON.parse(results[0]!.body) as EchoReply;
    expect(first).toMatchObject({ service: 'proxy', host: 'ratings.shop:9080', path: '/r', requestId: 'f-1' });
    expect(JSON.parse(results[1]!.body)).toMatchObject({ method: 'POST', path: '/w' });
  });

  it('without an outbound proxy, forwards straight to the authority (a transparent sidecar captures it), and refuses a malformed batch', async () => {
    const direct = await request(`http://127.0.0.1:${port}/__weft/forward`, { method: 'POST', body: JSON.stringify({ authority: `127.0.0.1:${port}`, requests: [{ method: 'GET', path: '/d', headers: { 'x-request-id': 'd-1' } }] }) });
    const { results } = (await direct.body.json()) as { results: Array<{ status: number; body: string }> };
    expect(results[0]!.status).toBe(200);
    expect(JSON.parse(results[0]!.body)).toMatchObject({ service: 'reviews', path: '/d', requestId: 'd-1', host: `127.0.0.1:${port}` });
    const bad = await request(`http://127.0.0.1:${forwardingPort}/__weft/forward`, { method: 'POST', body: JSON.stringify({ authority: 'x', requests: [] }) });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ error: 'WEFT_ECHO_BAD_FORWARD' });
  });

  it('serves the forward endpoint under a gateway prefix, and echoes the overlay tag', async () => {
    const tagged = new EchoServer({ service: 'front-weft-probe', version: 'probe', instance: 'p-0', tag: 'abc123', proxy: `http://127.0.0.1:${port}` });
    const taggedPort = await tagged.listen();
    try {
      const res = await request(`http://127.0.0.1:${taggedPort}/weft-probe/t/front/__weft/forward`, { method: 'POST', body: JSON.stringify({ authority: 'backend.t:8080', requests: [{ method: 'GET', path: '/x' }] }) });
      const { results } = (await res.body.json()) as { results: Array<{ status: number; body: string }> };
      expect(JSON.parse(results[0]!.body)).toMatchObject({ service: 'reviews', host: 'backend.t:8080', path: '/x' });
      const own = await request(`http://127.0.0.1:${taggedPort}/y`);
      expect(await own.body.json()).toMatchObject({ service: 'front-weft-probe', tag: 'abc123' });
      const untagged = await get('/z');
      expect(untagged.body!.tag).toBeUndefined();
    } finally {
      await tagged.close();
    }
  });
});
