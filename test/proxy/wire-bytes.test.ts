/**
 * The bytes on both wires, exactly, for requests whose heads the codec parses, edits and
 * re-encodes: a mixed-case request with hop-by-hop fields (and one named by Connection), an
 * incoming traceparent, route header edits (set, add, remove) and a mixed-case upstream response
 * with hop-by-hop fields. Generated ids and the date are masked; everything else — field order,
 * case, framing — is pinned, so that a faster codec cannot change what upstreams and clients see.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TestProxy } from './helpers/proxy';

const UPSTREAM_REPLY =
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 30 Nov 2026 12:00:00 GMT\r\nContent-Type: text/plain\r\nX-Upstream-Thing: Keep-Case\r\nKeep-Alive: timeout=5\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nhello world';

const TRACE_IN = '0af7651916cd43dd8448eb211c80319c';
const SPAN_IN = 'b7ad6b7169203331';

/** Masks the proxy's fresh ids (UUID v4, 32 and 16 hex digits); the incoming trace and span ids stay recognizable. */
const mask = (s: string): string =>
  s
    .replaceAll(TRACE_IN, '<trace-in>')
    .replaceAll(SPAN_IN, '<span-in>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b[0-9a-f]{32}\b/g, '<trace>')
    .replace(/\b[0-9a-f]{16}\b/g, '<span>');

/** Reads one response framed by Content-Length from a raw socket. */
function readResponse(s: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`no complete response: ${JSON.stringify(got)}`)), 10_000);
    const on = (d: Buffer): void => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(got);
      if (end !== -1 && len && got.length >= end + 4 + Number(len[1])) {
        clearTimeout(timer);
        s.off('data', on);
        resolve(got);
      }
    };
    s.on('data', on);
  });
}

describe('bytes on the wire (HTTP/1.1 codec)', () => {
  let upstream: Server;
  let proxy: TestProxy;
  const received: string[] = [];

  beforeAll(async () => {
    upstream = createServer((s) => {
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        received.push(buf.slice(0, end + 4));
        buf = buf.slice(end + 4);
        s.write(UPSTREAM_REPLY);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'app', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: (upstream.address() as AddressInfo).port }] }] }],
      routes: [
        {
          name: 'edit',
          hosts: ['*'],
          headers: { request: { set: { 'X-Weft-Route': 'edit' }, add: { 'x-added': 'a' }, remove: ['X-Drop-Me'] }, response: { remove: ['server'], set: { 'x-served-by': 'weft' }, add: { 'X-Resp-Added': 'b' } } },
          action: { type: 'forward', destinations: [{ service: 'app' }] },
        },
      ],
      observability: { metrics: true, accessLog: false, tracing: { samplingPercent: 100 } },
    } as any);
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('request and response heads are forwarded with exactly these bytes', async () => {
    const client = connect(proxy.outbound, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write(
      'GET /p/q?x=1 HTTP/1.1\r\nHOST: App.Shop:8080\r\nUser-Agent: Wire/1.0\r\nConnection: keep-alive, X-Hop\r\nX-Hop: gone\r\nKeep-Alive: timeout=9\r\nX-Drop-Me: 1\r\nTE: trailers\r\nAccept: */*\r\n' +
        `traceparent: 00-${TRACE_IN}-${SPAN_IN}-01\r\nX-Forwarded-For: 10.1.2.3\r\nCookie: a=1; b=2\r\n\r\n`,
    );
    const reply = await readResponse(client);
    client.destroy();
    expect(received).toHaveLength(1);
    expect(mask(received[0]!)).toBe(
      'GET /p/q?x=1 HTTP/1.1\r\nuser-agent: Wire/1.0\r\naccept: */*\r\nx-forwarded-for: 10.1.2.3\r\ncookie: a=1; b=2\r\nhost: App.Shop:8080\r\n' +
        'x-request-id: <uuid>\r\ntraceparent: 00-<trace-in>-<span>-01\r\nx-b3-traceid: <trace-in>\r\nx-b3-spanid: <span>\r\nx-b3-sampled: 1\r\nx-b3-parentspanid: <span-in>\r\n' +
        'x-weft-peer: productpage-v1;shop;productpage;v1;Kubernetes\r\nx-weft-route: edit\r\nx-added: a\r\n\r\n',
    );
    expect(reply.replace(/\r\ndate: [^\r]+/, '\r\ndate: <date>')).toBe(
      'HTTP/1.1 200 OK\r\ndate: <date>\r\ncontent-type: text/plain\r\nx-upstream-thing: Keep-Case\r\ncontent-length: 11\r\nx-served-by: weft\r\nx-resp-added: b\r\n\r\nhello world',
    );
  });
});
