/**
 * The admin listener on `node:net` with the data path's strict request-head parser
 * (src/proxy/server/admin.ts), not `node:http` (1–1.4 MB of RSS): real sockets on 127.0.0.1,
 * Node's own HTTP client and raw bytes — keep-alive, pipelining, HEAD, HTTP/1.0, a request
 * with a body, refused heads, an endpoint that answers asynchronously.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminServer, type AdminSource } from '../../src/proxy/server/admin';

let ready = true;
const source: AdminSource = {
  ready: () => ready,
  configDump: () => ({ hash: 'sha256:abc', note: 'größe' }),
  clusters: () => [{ service: 'reviews' }],
  metrics: () => new Promise((resolve) => setTimeout(() => resolve('weft_proxy_up 1\n'), 20)),
};
let admin: AdminServer;
let port: number;

beforeAll(async () => {
  admin = new AdminServer(source);
  port = await admin.listen('127.0.0.1', 0);
});
afterAll(() => admin.close());

function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Writes raw bytes and collects everything until the server closes, or `waitMs` of silence. */
function raw(bytes: string, waitMs = 1000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout;
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), waitMs);
    };
    socket.on('data', (d) => {
      text += d.toString('utf8');
      arm();
    });
    socket.on('end', () => done(true));
    socket.on('error', () => done(true));
    socket.write(bytes);
    arm();
  });
}

describe('admin listener (node:net)', () => {
  it('answers the endpoints through Node\'s HTTP client, with lengths in bytes', async () => {
    expect(await get('/ready')).toMatchObject({ status: 200, body: 'ready\n' });
    const dump = await get('/config_dump?x=1');
    expect(dump.headers['content-type']).toBe('application/json');
    expect(JSON.parse(dump.body)).toEqual({ hash: 'sha256:abc', note: 'größe' });
    expect(Number(dump.headers['content-length'])).toBe(Buffer.byteLength(dump.body));
    expect(await get('/metrics')).toMatchObject({ status: 200, body: 'weft_proxy_up 1\n', headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
    expect(JSON.parse((await get('/clusters')).body)).toEqual([{ service: 'reviews' }]);
    expect((await get('/nope')).status).toBe(404);
    ready = false;
    expect(await get('/ready')).toMatchObject({ status: 503, body: 'draining\n' });
    ready = true;
  });

  it('serves keep-alive requests pipelined on one connection in order, the asynchronous one included', async () => {
    const r = await raw('GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /ready HTTP/1.1\r\nHost: a\r\n\r\nHEAD /ready HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(r.closed).toBe(false);
    const statuses = [...r.text.matchAll(/^HTTP\/1\.1 (\d+) /gm)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '200']);
    expect(r.text.indexOf('weft_proxy_up 1')).toBeLessThan(r.text.indexOf('ready\n'));
    // HEAD: the length of the body it would have, and no body.
    expect(r.text.endsWith('content-length: 6\r\n\r\n')).toBe(true);
  });

  it('closes after HTTP/1.0 without keep-alive, after Connection: close, and after a request with a body it does not read', async () => {
    expect(await raw('GET /ready HTTP/1.0\r\n\r\n')).toMatchObject({ closed: true, text: expect.stringContaining('ready\n') });
    expect(await raw('GET /ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toMatchObject({ closed: true, text: expect.stringContaining('connection: close') });
    const post = await raw('POST /ready HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\nGET /ready HTTP/1.1\r\n');
    expect(post.closed).toBe(true);
    expect([...post.text.matchAll(/^HTTP\/1\.1 (\d+) /gm)].map((m) => m[1])).toEqual(['405']);
  });

  it('refuses malformed heads as the data path does, and closes', async () => {
    expect(await raw('GET /ready HTTP/1.1\nHost: a\n\n')).toMatchObject({ closed: true, text: expect.stringMatching(/^HTTP\/1\.1 400 /) });
    expect(await raw('GET /ready HTTP/1.1\r\n\r\n')).toMatchObject({ closed: true, text: expect.stringMatching(/^HTTP\/1\.1 400 /) });
    expect(await raw('GET /ready HTTP/2.0\r\nHost: a\r\n\r\n')).toMatchObject({ closed: true, text: expect.stringMatching(/^HTTP\/1\.1 505 /) });
    expect(await raw(`GET /ready HTTP/1.1\r\nHost: a\r\nx: ${'a'.repeat(70 * 1024)}`)).toMatchObject({ closed: true, text: expect.stringMatching(/^HTTP\/1\.1 431 /) });
  });
});
