/**
 * WebSocket upgrades through the proxy's own HTTP/1.1 codec, over real sockets: a real
 * handshake (RFC 6455 §4: Sec-WebSocket-Key → Sec-WebSocket-Accept) from a raw client through
 * the outbound listener to a node:http server, then frames both ways, bytes sent early on both
 * sides, and close propagation. Other upgrades (h2c) are dropped as hop-by-hop.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TestProxy } from './helpers/proxy';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptOf = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** A masked client text frame (payload < 126 bytes). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

/** An unmasked server text frame (payload < 126 bytes). */
const serverFrame = (text: string): Buffer => Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]);

/** Reads complete frames (client: masked, server: unmasked; payload < 126) from the front of `buf`. */
function frames(buf: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    const masked = (buf[i + 1]! & 0x80) !== 0;
    const len = buf[i + 1]! & 0x7f;
    const start = i + 2 + (masked ? 4 : 0);
    if (start + len > buf.length) break;
    const payload = Buffer.from(buf.subarray(start, start + len));
    if (masked) for (let k = 0; k < len; k++) payload[k]! ^= buf[i + 2 + (k % 4)]!;
    texts.push(payload.toString());
    i = start + len;
  }
  return { texts, rest: buf.subarray(i) };
}

/** Echo server: answers the handshake, greets in the same write as the 101, then echoes each text frame as `echo:<text>`. */
function echoServer(): { server: Server; closed: Promise<void>; seenUpgrade: string[] } {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const seenUpgrade: string[] = [];
  const server = createServer((req, res) => {
    seenUpgrade.push(`plain upgrade=${req.headers.upgrade ?? '-'} connection=${req.headers.connection ?? '-'}`);
    res.end('plain');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seenUpgrade.push(`upgrade ${req.headers.upgrade} ${req.url}`);
    socket.on('error', () => {});
    socket.on('close', () => resolveClosed());
    socket.on('end', () => socket.end()); // the client went away: close our side too
    const key = String(req.headers['sec-websocket-key']);
    socket.write(
      Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`),
        serverFrame('welcome'),
      ]),
    );
    let pending = Buffer.from(head);
    const onBytes = (d: Buffer): void => {
      pending = Buffer.concat([pending, d]);
      const f = frames(pending);
      pending = Buffer.from(f.rest);
      for (const t of f.texts) socket.write(serverFrame(`echo:${t}`));
    };
    if (head.length > 0) onBytes(Buffer.alloc(0));
    socket.on('data', onBytes);
  });
  return { server, closed, seenUpgrade };
}

/** Reads from `s` until `done(buffer)` says so; bounded. */
function readUntil(s: Socket, done: (b: Buffer) => boolean, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.off('data', on);
      reject(new Error(`timed out; got ${JSON.stringify(buf.toString('latin1'))}`));
    }, ms);
    const on = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (done(buf)) {
        clearTimeout(timer);
        s.off('data', on);
        resolve(buf);
      }
    };
    s.on('data', on);
  });
}

describe('WebSocket upgrade through the HTTP/1.1 codec', () => {
  let up: ReturnType<typeof echoServer>;
  let proxy: TestProxy;

  beforeAll(async () => {
    up = echoServer();
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'chat', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: (up.server.address() as AddressInfo).port }] }] }],
      routes: [{ name: 'chat', hosts: ['*'], timeoutMs: 2000, retries: { attempts: 2, perTryTimeoutMs: 1000 }, action: { type: 'forward', destinations: [{ service: 'chat' }] } }],
    } as any);
  });

  afterAll(async () => {
    await proxy.close();
    up.server.closeAllConnections();
    await new Promise<void>((r) => up.server.close(() => r()));
  });

  it('completes a real handshake, carries frames both ways (early bytes too) and passes the close on', async () => {
    const key = randomBytes(16).toString('base64');
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    // The first frame goes out with the handshake, before the 101: it waits in the proxy and follows it.
    client.write(
      Buffer.concat([
        Buffer.from(`GET /chat?room=1 HTTP/1.1\r\nHost: chat.shop.svc.cluster.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
        clientFrame('early'),
      ]),
    );
    let got = await readUntil(client, (b) => b.includes('\r\n\r\n') && frames(b.subarray(b.indexOf('\r\n\r\n') + 4)).texts.length >= 2);
    const headEnd = got.indexOf('\r\n\r\n');
    const head = got.subarray(0, headEnd).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(head.toLowerCase()).toContain(`sec-websocket-accept: ${acceptOf(key)}`.toLowerCase());
    expect(head.toLowerCase()).toMatch(/\r\nconnection: upgrade\r\n/);
    expect(head.toLowerCase()).toMatch(/\r\nupgrade: websocket(\r\n|$)/);
    expect(frames(got.subarray(headEnd + 4)).texts).toEqual(['welcome', 'echo:early']);
    expect(up.seenUpgrade).toContain('upgrade websocket /chat?room=1');

    client.write(clientFrame('hello'));
    got = await readUntil(client, (b) => frames(b).texts.length >= 1);
    expect(frames(got).texts).toEqual(['echo:hello']);

    client.end();
    await up.closed; // the upstream side of the tunnel closes when the client leaves
  });

  it('drops other upgrades (h2c) as hop-by-hop and answers as plain HTTP/1.1', async () => {
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write('GET /plain HTTP/1.1\r\nHost: chat.shop.svc.cluster.local\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n');
    const got = (await readUntil(client, (b) => b.includes('plain'))).toString('latin1');
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(up.seenUpgrade).toContain('plain upgrade=- connection=-');
    client.destroy();
  });
});
