/**
 * The response writer refuses a request chain that breaks the handler contract (one head, then
 * body, then one end: src/proxy/pipeline/types.ts). Written as asked, a second head made
 * node:http2 throw ERR_HTTP2_HEADERS_SENT from an event callback — an uncaught exception that
 * ended a sidecar under load — and body before the head made node:http2 send an implicit 200.
 * Here a real node:http2 server stream and a real client see what the writer does instead: a
 * stream reset once the head has left, a local reply when nothing had; the upstream is aborted
 * once, the exchange finished once, and the violation counted in the proxy's metrics. A reply
 * converted to gRPC carries its text in grpc-message, and a long one does not hold it back.
 */
import { connect, createServer, type ClientHttp2Session, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Exchange } from '../../../src/proxy/exchange';
import { ResponseOrderError } from '../../../src/proxy/errors';
import type { ListenerRuntime } from '../../../src/proxy/runtime';
import { Http2ResponseWriter } from '../../../src/proxy/server/h2/response-writer';
import { metricsText, startProxy, type TestProxy } from '../helpers/proxy';

const noop = (): void => {};

type Chain = (writer: Http2ResponseWriter) => void;

let proxy: TestProxy;
let server: Http2Server;
let session: ClientHttp2Session;
const chains: Chain[] = [];
const finished: Exchange[] = [];
const listener: ListenerRuntime = { kind: 'outbound', draining: false, finish: (ex) => void finished.push(ex) };

beforeAll(async () => {
  // A running proxy for its real runtime (the metrics the writer counts into).
  proxy = await startProxy({ listeners: { outbound: { port: 0 }, admin: { port: 0 } } });
  server = createServer();
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.on('error', noop); // as server/h2/front.ts: a reset is reported by 'close'
    const raw = Object.entries(headers).flatMap(([k, v]) => (k.startsWith(':') ? [] : [k, String(v)]));
    const ex = new Exchange({ method: 'GET', target: String(headers[':path']), protocol: 'HTTP/2', rawHeaders: [...raw, 'host', 'app'], clientAddress: '127.0.0.1' }, listener, proxy.proxy.runtime);
    chains.shift()!(new Http2ResponseWriter(ex, stream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  session.close();
  await new Promise((resolve) => server.close(resolve));
  await proxy.close();
});

/** One request: its response head (if any), body, and the RST_STREAM code it ended with (0 = none). */
function request(headers: Record<string, string> = {}): Promise<{ status?: number; headers?: Record<string, unknown>; body: string; rstCode: number }> {
  return new Promise((resolve) => {
    const req = session.request({ ':path': '/', ...headers }, { endStream: true });
    let status: number | undefined;
    let head: Record<string, unknown> | undefined;
    let body = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
      head = h;
    });
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('error', noop);
    req.on('close', () => resolve({ status, headers: head, body, rstCode: req.rstCode ?? 0 }));
  });
}

function abortRecorder(): { aborts: Error[]; abort: (e: Error) => void } {
  const aborts: Error[] = [];
  return { aborts, abort: (e) => void aborts.push(e) };
}

it('a second response head resets the stream instead of throwing ERR_HTTP2_HEADERS_SENT', async () => {
  const up = abortRecorder();
  let second: boolean | undefined;
  chains.push((w) => {
    w.onConnect({ abort: up.abort });
    w.onHeaders(200, ['content-type', 'text/plain'], noop);
    w.onData(Buffer.from('first '));
    second = w.onHeaders(200, ['content-type', 'text/plain'], noop);
    // Whatever the broken chain does next is ignored: the exchange has ended.
    w.onData(Buffer.from('ignored'));
    w.onComplete();
  });
  const before = finished.length;
  const r = await request();
  expect(second).toBe(false);
  expect(r.status).toBe(200);
  expect(r.body).not.toContain('ignored');
  expect(r.rstCode).toBe(2); // INTERNAL_ERROR: the response that had started is abandoned
  expect(up.aborts).toHaveLength(1);
  expect(up.aborts[0]).toBeInstanceOf(ResponseOrderError);
  expect(finished.length - before).toBe(1);
  expect(finished.at(-1)!.flags).toBe('UC');
});

it('body before the head gets a local 503, not an implicit 200', async () => {
  const up = abortRecorder();
  chains.push((w) => {
    w.onConnect({ abort: up.abort });
    expect(w.onData(Buffer.from('early'))).toBe(false);
    w.onHeaders(200, ['content-type', 'text/plain'], noop);
    w.onComplete();
  });
  const r = await request();
  expect(r.status).toBe(503);
  expect(r.body).toBe('upstream error (WEFT_PROXY_RESPONSE_ORDER)');
  expect(r.rstCode).toBe(0);
  expect(up.aborts).toHaveLength(1);
});

it('a gRPC call whose chain ends before any head gets a gRPC status, and every violation is counted', async () => {
  const up = abortRecorder();
  chains.push((w) => {
    w.onConnect({ abort: up.abort });
    w.onComplete();
  });
  const r = await request({ 'content-type': 'application/grpc', te: 'trailers' });
  expect(r.status).toBe(200);
  expect(r.headers!['grpc-status']).toBe('14'); // UNAVAILABLE, as for the 503 it stands for
  expect(decodeURIComponent(String(r.headers!['grpc-message']))).toBe('upstream error (WEFT_PROXY_RESPONSE_ORDER)');
  expect(up.aborts).toHaveLength(1);
  expect(await metricsText(proxy.admin)).toMatch(/^weft_proxy_internal_errors_total\{kind="response_order"\} 3$/m);
});

it('a gRPC call answered with a long non-gRPC body gets UNAVAILABLE with the body\'s first 1 KiB as grpc-message, without waiting for its end', async () => {
  let writer: Http2ResponseWriter | undefined;
  chains.push((w) => {
    writer = w;
    w.onConnect({ abort: noop });
    w.onHeaders(503, ['content-type', 'text/html'], noop);
    w.onData(Buffer.alloc(3000, 'x'));
  });
  // The response arrives while the chain has not ended its body.
  const r = await request({ 'content-type': 'application/grpc', te: 'trailers' });
  expect(r.status).toBe(200);
  expect(r.headers!['grpc-status']).toBe('14');
  expect(decodeURIComponent(String(r.headers!['grpc-message']))).toBe('x'.repeat(1024));
  expect(writer!.onData(Buffer.from('more'))).toBe(true);
  writer!.onComplete();
});
