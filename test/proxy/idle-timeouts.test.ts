/**
 * Idle timeouts of the HTTP/1.1 data path, over real sockets: a keep-alive client connection
 * closes `http.idleTimeoutMs` after its last response and an idle upstream connection closes
 * after the pool's `idleTimeoutMs` — but neither cuts a request that is still being served,
 * however long it takes (the timers stay armed during requests and are ignored then).
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TestProxy } from './helpers/proxy';

const IDLE_MS = 1000;

function readResponse(s: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`no response: ${JSON.stringify(got)}`)), ms);
    const on = (d: Buffer): void => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(got);
      if (end !== -1 && len && got.length >= end + 4 + Number(len[1])) {
        clearTimeout(timer);
        s.off('data', on);
        resolve(got);
      }
    };
    s.on('data', on);
  });
}

const closed = (s: Socket, ms = 10_000): Promise<number> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection not closed')), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now());
    });
  });

describe('idle timeouts', () => {
  let upstream: Server;
  let proxy: TestProxy;
  const upstreamSockets: Socket[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      setTimeout(() => res.end('ok'), delay);
    });
    upstream.keepAliveTimeout = 60_000;
    upstream.on('connection', (s: Socket) => upstreamSockets.push(s));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      http: { idleTimeoutMs: IDLE_MS },
      services: [
        {
          name: 'app',
          namespace: 'shop',
          connectionPool: { idleTimeoutMs: IDLE_MS, connectTimeoutMs: 1000 },
          subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: (upstream.address() as AddressInfo).port }] }],
        },
      ],
      routes: [{ name: 'all', hosts: ['*'], timeoutMs: 10_000, action: { type: 'forward', destinations: [{ service: 'app' }] } }],
    } as any);
  });

  afterAll(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('serves a request slower than both idle timeouts, then closes both connections once idle', async () => {
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    const before = upstreamSockets.length;
    const clientClosed = closed(client);
    client.write(`GET /?delay=${IDLE_MS * 3} HTTP/1.1\r\nHost: app.shop.svc.cluster.local\r\n\r\n`);
    const reply = await readResponse(client);
    const answeredAt = performance.now();
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply.endsWith('ok')).toBe(true);
    // Kept alive after the response, then closed by the proxy once idle.
    const at = await clientClosed;
    expect(at - answeredAt).toBeGreaterThanOrEqual(IDLE_MS - 50);
    // The upstream connection of that request is closed by the pool once idle, too.
    const up = upstreamSockets[before]!;
    if (!up.destroyed) await closed(up);
    expect(up.destroyed).toBe(true);
  }, 30_000);

  it('closes an idle upstream connection after the pool idle timeout, not before; one reused in time is kept', async () => {
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    const before = upstreamSockets.length;
    client.write('GET / HTTP/1.1\r\nHost: app.shop.svc.cluster.local\r\n\r\n');
    expect(await readResponse(client)).toMatch(/^HTTP\/1\.1 200 /);
    // Reused within the idle timeout: the same upstream connection serves the second request.
    // (A fifth of it: the rest is margin for a loaded machine's round trip and timers.)
    await new Promise((r) => setTimeout(r, IDLE_MS / 5));
    client.write('GET / HTTP/1.1\r\nHost: app.shop.svc.cluster.local\r\n\r\n');
    expect(await readResponse(client)).toMatch(/^HTTP\/1\.1 200 /);
    const answeredAt = performance.now();
    const opened = upstreamSockets.slice(before);
    expect(opened).toHaveLength(1);
    const up = opened.find((s) => !s.destroyed) ?? opened[0]!;
    const upClosed = up.destroyed ? performance.now() : await closed(up);
    expect(upClosed - answeredAt).toBeGreaterThanOrEqual(IDLE_MS - 50);
    client.destroy();
  }, 30_000);

  it('closes a client connection that never sends a request after the idle timeout, not before', async () => {
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    const openedAt = performance.now();
    const at = await closed(client);
    expect(at - openedAt).toBeGreaterThanOrEqual(IDLE_MS - 50);
  }, 30_000);

  it('keeps a connection that is used more often than the idle timeout', async () => {
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    for (let i = 0; i < 4; i++) {
      client.write('GET / HTTP/1.1\r\nHost: app.shop.svc.cluster.local\r\n\r\n');
      expect(await readResponse(client)).toMatch(/^HTTP\/1\.1 200 /);
      await new Promise((r) => setTimeout(r, IDLE_MS / 10)); // most of the interval left as margin for a loaded machine
    }
    expect(client.destroyed).toBe(false);
    client.destroy();
  }, 30_000);
});
