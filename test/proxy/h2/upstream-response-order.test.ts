/**
 * The HTTP/2 upstream step hands the chain a response head first, then its body, then its end,
 * even when node:http2 emits a DATA frame's 'data' before the stream's 'response'. node:http2
 * emits 'response' through process.nextTick and pushes a DATA frame handled in the same turn at
 * once: under load a gRPC call through the proxy then ended as a local reply, "upstream error
 * (WEFT_PROXY_RESPONSE_ORDER)" (1 of 704 calls in a CI run of test/verify/target-grpc.test.ts;
 * undici met the same, nodejs/undici#2985). A session whose transport is a JavaScript stream
 * shows that order on every response, so the step is driven here over one: a real node:http2
 * server on 127.0.0.1, a real client session whose socket is wrapped in a Duplex. The control
 * case shows the order with a listener bound at request time.
 */
import { connect as h2connect, createServer, type ClientHttp2Session, type Http2Server } from 'node:http2';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange } from '../../../src/proxy/exchange';
import { h2UpstreamDispatch } from '../../../src/proxy/pipeline/h2-upstream';
import type { Abort, Handler } from '../../../src/proxy/pipeline/types';

let server: Http2Server;
let port = 0;
const sessions: ClientHttp2Session[] = [];

beforeAll(async () => {
  server = createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] === '/unavailable') {
      // A trailers-only gRPC error: one HEADERS frame that ends the stream.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.from('\0\0\0\0\x05hello'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sessions) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** A client session whose transport is a JavaScript Duplex over a real socket (node:http2 then reads through a JS stream). */
function sessionOverJsStream(): ClientHttp2Session {
  const session = h2connect(`http://127.0.0.1:${port}`, {
    createConnection: () => {
      const socket = netConnect(port, '127.0.0.1');
      const duplex = new Duplex({
        read() {},
        write(chunk, _encoding, done) {
          socket.write(chunk, done);
        },
        final(done) {
          socket.end();
          done();
        },
      });
      socket.on('data', (chunk) => duplex.push(chunk));
      socket.on('end', () => duplex.push(null));
      socket.on('error', (error) => duplex.destroy(error));
      return duplex;
    },
  });
  session.on('error', () => undefined);
  sessions.push(session);
  return session;
}

/** The one endpoint the step reads, and an exchange with what it sends. */
function exchangeOn(session: ClientHttp2Session, path: string): Exchange {
  const endpoint = { active: 0, hostLabel: `127.0.0.1:${port}`, h2: { get: () => session } };
  return { endpoint, attempts: 0, upstreamStart: 0, method: 'POST', path, authority: 'ledger', headers: ['content-type', 'application/grpc', 'te', 'trailers'], body: Buffer.from('\0\0\0\0\0'), responseTrailers: null } as unknown as Exchange;
}

interface Recorded {
  events: string[];
  body: string;
  ended: Promise<void>;
  resume: () => void;
}

/** A handler that records the order of the calls it gets; `pauseAtHead`: onHeaders answers false (backpressure). */
function recorder(pauseAtHead = false): { handler: Handler; seen: Recorded } {
  let done!: () => void;
  const seen: Recorded = { events: [], body: '', ended: new Promise((r) => (done = r)), resume: () => {} };
  const handler: Handler = {
    onConnect: (_abort: Abort) => seen.events.push('connect'),
    onHeaders: (status, _headers, resume) => {
      seen.events.push(`head ${status}`);
      seen.resume = resume;
      return !pauseAtHead;
    },
    onData: (chunk) => {
      seen.events.push('data');
      seen.body += chunk.toString('latin1');
      return true;
    },
    onComplete: () => {
      seen.events.push('complete');
      done();
    },
    onError: (error) => {
      seen.events.push(`error ${error.message}`);
      done();
    },
  };
  return { handler, seen };
}

const inOrder = (events: string[]) => events.filter((e, i) => i === 0 || e !== events[i - 1]);

describe('the HTTP/2 upstream step: head, then body, then end', () => {
  it('control: over a JavaScript stream, node:http2 emits a response body before its head', async () => {
    const session = sessionOverJsStream();
    let bodyFirst = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = session.request({ ':method': 'POST', ':path': '/ok' }, { endStream: true });
        let head = false;
        s.on('response', () => (head = true));
        s.on('data', () => (bodyFirst += head ? 0 : 1));
        s.on('close', () => resolve());
      });
    }
    expect(bodyFirst).toBeGreaterThan(0);
  });

  it('passes the head before the body and the trailers to the exchange, on every response', async () => {
    const session = sessionOverJsStream();
    for (let i = 0; i < 20; i++) {
      const ex = exchangeOn(session, '/ok');
      const { handler, seen } = recorder();
      h2UpstreamDispatch(ex, handler);
      await seen.ended;
      expect(inOrder(seen.events)).toEqual(['connect', 'head 200', 'data', 'complete']);
      expect(seen.body).toBe('\0\0\0\0\x05hello');
      expect(ex.responseTrailers).toEqual(['grpc-status', '0']);
    }
  });

  it('ends a trailers-only answer with its head and no body', async () => {
    const session = sessionOverJsStream();
    const ex = exchangeOn(session, '/unavailable');
    const { handler, seen } = recorder();
    h2UpstreamDispatch(ex, handler);
    await seen.ended;
    expect(seen.events).toEqual(['connect', 'head 200', 'complete']);
  });

  it('holds the body while the head is paused (onHeaders false) and sends it on resume', async () => {
    const session = sessionOverJsStream();
    const ex = exchangeOn(session, '/ok');
    const { handler, seen } = recorder(true);
    h2UpstreamDispatch(ex, handler);
    for (let i = 0; i < 200 && !seen.events.includes('head 200'); i++) await new Promise((r) => setTimeout(r, 10));
    // Paused at the head: ten turns later no body and no end has come.
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(seen.events).toEqual(['connect', 'head 200']);
    seen.resume();
    await seen.ended;
    expect(inOrder(seen.events)).toEqual(['connect', 'head 200', 'data', 'complete']);
    expect(seen.body).toBe('\0\0\0\0\x05hello');
  });
});
