/**
 * Upstream sockets read into one buffer shared by every upstream connection (`net.connect({
 * onread })`, cluster/http1-upstream.ts), which the next read of any socket overwrites. These
 * cases make reads of several upstream connections interleave while earlier bytes are still
 * held — body chunks queued on a client socket that does not read (bodies larger than the
 * kernel's socket buffers, so that Node must queue the writes), a response head split across
 * reads, bytes after a 101 and the upgraded stream — and check every byte that arrives.
 * Removing any of the copies (payload, unconsumed bytes, upgraded reads) fails a case here.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TestProxy } from './helpers/proxy';

/** More than loopback's socket buffers hold for a client that does not read (tcp_wmem max 4 MiB + receive window). */
const BODY_BYTES = 8 * 1024 * 1024;
const PIECE = 16 * 1024;

/** The byte at `i` of the body for `/<tag>`: differs per tag and per position. */
const patternByte = (tag: number, i: number): number => (tag * 31 + i * 7 + (i >> 10)) & 0xff;

function body(tag: number): Buffer {
  const b = Buffer.allocUnsafe(BODY_BYTES);
  for (let i = 0; i < BODY_BYTES; i++) b[i] = patternByte(tag, i);
  return b;
}

/**
 * Writes `pieces` one per macrotask, so that other upstream connections' reads come between
 * them; the second piece after `pauseMs`, so that the proxy has read the first one alone (on a
 * stalled machine both may still arrive together: the case then checks less, never fails).
 */
function trickle(s: Socket, pieces: Buffer[], pauseMs = 0): void {
  let i = 0;
  const next = (): void => {
    if (s.destroyed || i >= pieces.length) return;
    s.write(pieces[i++]!);
    if (i === 1 && pauseMs > 0) setTimeout(next, pauseMs);
    else setImmediate(next);
  };
  next();
}

/** Reads one Content-Length response (head + body) off a raw socket, bounded in time. */
function readResponse(s: Socket, ms = 30_000): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let head: string | null = null;
    let want = -1;
    const timer = setTimeout(() => reject(new Error(`no complete response after ${size} bytes`)), ms);
    const on = (d: Buffer): void => {
      parts.push(d);
      size += d.length;
      if (head === null) {
        const all = Buffer.concat(parts);
        const end = all.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = all.subarray(0, end).toString('latin1');
        want = end + 4 + Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        parts.length = 0;
        parts.push(all);
      }
      if (size >= want) {
        clearTimeout(timer);
        s.off('data', on);
        const all = Buffer.concat(parts);
        resolve({ head, body: all.subarray(want - Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0), want) });
      }
    };
    s.on('data', on);
  });
}

/** Opens `n` raw client connections to the proxy. */
async function clients(port: number, n: number): Promise<Socket[]> {
  const list = Array.from({ length: n }, () => connect(port, '127.0.0.1'));
  for (const c of list) c.on('error', () => {});
  await Promise.all(list.map((c) => new Promise<void>((r) => c.once('connect', () => r()))));
  return list;
}

function firstMismatch(got: Buffer, tag: number): number {
  if (got.length !== BODY_BYTES) return got.length;
  for (let i = 0; i < BODY_BYTES; i++) if (got[i] !== patternByte(tag, i)) return i;
  return -1;
}

describe('upstream reads into a shared buffer', () => {
  let upstream: Server;
  let proxy: TestProxy;
  const bodies = [1, 2, 3, 4].map(body);

  beforeAll(async () => {
    upstream = createServer((s) => {
      s.on('error', () => {});
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const path = /^\S+ (\S+)/.exec(buf)![1]!;
        buf = '';
        if (path === '/ws') {
          // 101 and the first frame bytes in one write, then more from the upgraded stream.
          // The 101 with the first bytes of the new protocol in one write, then a large stream.
          s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly-');
          const pieces: Buffer[] = [];
          for (let i = 0; i < BODY_BYTES; i += PIECE) pieces.push(bodies[0]!.subarray(i, i + PIECE));
          trickle(s, pieces);
          return;
        }
        const tag = Number(path.slice(1));
        // The head leaves in two reads, split inside the field that differs between responses.
        const head = Buffer.from(`HTTP/1.1 200 OK\r\nX-Tag: ${String(tag).repeat(40)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`, 'latin1');
        const pieces: Buffer[] = [head.subarray(0, 40), head.subarray(40)];
        for (let i = 0; i < BODY_BYTES; i += PIECE) pieces.push(bodies[tag - 1]!.subarray(i, i + PIECE));
        trickle(s, pieces, 50);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'app', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: (upstream.address() as AddressInfo).port }] }] }],
      routes: [{ name: 'all', hosts: ['*'], action: { type: 'forward', destinations: [{ service: 'app' }] } }],
      observability: { metrics: false, accessLog: false },
    } as any);
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('bodies of concurrent responses arrive intact while two clients hold theirs unread', async () => {
    const [a, b, c] = await clients(proxy.outbound, 3);
    // a and b do not read: the proxy's writes to them queue up in Node (views it must own),
    // while c's upstream connection keeps reading into the shared buffer.
    a!.pause();
    b!.pause();
    const responses = [a!, b!, c!].map((s) => readResponse(s));
    [a!, b!, c!].forEach((s, i) => s.write(`GET /${i + 1} HTTP/1.1\r\nHost: app\r\n\r\n`));
    const third = await responses[2]!;
    a!.resume();
    b!.resume();
    const [first, second] = await Promise.all(responses.slice(0, 2));
    for (const s of [a!, b!, c!]) s.destroy();
    [first!, second!, third].forEach((r, i) => {
      expect(r.head).toContain(`x-tag: ${String(i + 1).repeat(40)}`);
      expect(firstMismatch(r.body, i + 1)).toBe(-1);
    });
  });

  it('the bytes after a 101 and the upgraded stream arrive intact while another response is read', async () => {
    const [ws, bulk] = await clients(proxy.outbound, 2);
    let got = Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let size = 0;
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`upgraded stream incomplete after ${size} bytes`)), 30_000);
      let end = -1;
      ws!.on('data', (d: Buffer) => {
        chunks.push(d);
        size += d.length;
        if (end === -1) {
          got = Buffer.concat(chunks);
          chunks.length = 0;
          chunks.push(got);
          end = got.indexOf('\r\n\r\n');
        }
        if (end !== -1 && size - end - 4 >= 6 + BODY_BYTES) {
          clearTimeout(timer);
          got = Buffer.concat(chunks);
          resolve();
        }
      });
    });
    ws!.pause();
    ws!.write('GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const bulkResponse = readResponse(bulk!);
    bulk!.write('GET /3 HTTP/1.1\r\nHost: app\r\n\r\n');
    const b = await bulkResponse;
    ws!.resume();
    await all;
    ws!.destroy();
    bulk!.destroy();
    expect(firstMismatch(b.body, 3)).toBe(-1);
    const end = got.indexOf('\r\n\r\n');
    expect(got.subarray(0, 13).toString('latin1')).toBe('HTTP/1.1 101 ');
    expect(got.subarray(end + 4, end + 10).toString('latin1')).toBe('early-');
    expect(firstMismatch(got.subarray(end + 10), 1)).toBe(-1);
  });
});
