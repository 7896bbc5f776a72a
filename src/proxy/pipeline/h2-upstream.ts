/**
 * The terminal step toward an HTTP/2 endpoint (services with `protocol: http2`, gRPC among
 * them): one stream per attempt on the endpoint's session, request body piped with flow
 * control, response headers and body passed on with backpressure, and trailers kept on the
 * Exchange for the downstream writer (gRPC's grpc-status travels there). A failure before the
 * response headers is a connect failure (the session never connected) or a reset, with Envoy's
 * reset reason (the stream refused or reset by the peer, or the connection lost), as the
 * HTTP/1.1 terminal reports them, so retries and response flags work the same.
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
 */
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import { UpstreamResetError, type ResetReason } from '../errors';
import type { Dispatch } from './types';
import { monotonicMs } from '../clock';

/**
 * As literals, not node:http2's `constants`: the module loads only when a config uses HTTP/2
 * (../builtins-on-demand.ts). RST_STREAM error codes: RFC 9113 §7.
 */
const HTTP2_HEADER_STATUS = ':status';
const NGHTTP2_CANCEL = 0x8;
const NGHTTP2_PROTOCOL_ERROR = 0x1;
const NGHTTP2_REFUSED_STREAM = 0x7;
/** Not forwarded on HTTP/2 (RFC 9113 §8.2.2); `host` becomes :authority. */
const SKIP = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export class UpstreamConnectError extends Error {
  readonly code = 'ECONNREFUSED';
  override readonly name = 'UpstreamConnectError';
}

function flatten(h: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(h)) {
    if (name.charCodeAt(0) === 58 /* : */ || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, String(value));
  }
  return out;
}

/**
 * Why a stream ended before its response head, as Envoy names it: REFUSED_STREAM (RFC 9113 §7:
 * the peer promises it did not process the request), the connection gone under the stream
 * (node:http2 then closes it with CANCEL), a protocol error, or any other RST_STREAM.
 */
function resetReason(s: ClientHttp2Stream, session: ClientHttp2Session): ResetReason {
  if (s.rstCode === NGHTTP2_REFUSED_STREAM) return 'remote refused stream reset';
  if (session.destroyed || session.closed) return 'connection termination';
  if (s.rstCode === NGHTTP2_PROTOCOL_ERROR) return 'protocol error';
  return 'remote reset';
}

export const h2UpstreamDispatch: Dispatch = (ex, handler) => {
  const ep = ex.endpoint!;
  ep.active++;
  ex.attempts++;
  if (ex.upstreamStart === 0) ex.upstreamStart = monotonicMs();
  let done = false;
  let stream: ClientHttp2Stream | null = null;
  let gotHeaders = false;
  const finish = (error: Error | null): void => {
    if (done) return;
    done = true;
    ep.active--;
    if (error) handler.onError(error);
    else handler.onComplete();
  };
  handler.onConnect({
    abort: (error) => {
      if (done) return;
      stream?.close(NGHTTP2_CANCEL);
      finish(error);
    },
  });
  let session;
  try {
    session = ep.h2!.get();
  } catch (error) {
    return finish(new UpstreamConnectError((error as Error).message));
  }
  const headers: Record<string, string | string[]> = { ':method': ex.method, ':path': ex.path, ':authority': ex.authority, ':scheme': 'http' };
  const h = ex.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    if (SKIP.has(name)) continue;
    const prev = headers[name];
    headers[name] = prev === undefined ? h[i + 1]! : Array.isArray(prev) ? [...prev, h[i + 1]!] : [prev, h[i + 1]!];
  }
  const body = ex.body;
  try {
    stream = session.request(headers, { endStream: body === null });
  } catch (error) {
    return finish(new UpstreamConnectError((error as Error).message));
  }
  const s = stream;
  const onData = (chunk: Buffer): void => {
    if (done) return;
    if (!handler.onData(chunk)) s.pause();
  };
  s.on('response', (rh) => {
    if (done) return;
    gotHeaders = true;
    // The body is read only from here: node:http2 emits 'response' through process.nextTick,
    // while a DATA frame handled in the same turn is pushed (and, on a flowing stream, emitted)
    // at once, so 'data' can come first. The handler contract is head, then body: a chunk
    // ahead of its head ended the call (WEFT_PROXY_RESPONSE_ORDER), 1 in ~700 gRPC calls under
    // load. Until now the chunks wait in the stream's buffer, under flow control; 'data'
    // starts flowing on the next tick, after onHeaders (which may pause it).
    // @see https://github.com/nodejs/undici/pull/2985 (undici's HTTP/2 client, the same fix)
    s.on('data', onData);
    const status = Number(rh[HTTP2_HEADER_STATUS] ?? 502);
    const ok = handler.onHeaders(status, flatten(rh), () => s.resume());
    if (!ok) s.pause();
  });
  s.on('trailers', (t) => {
    ex.responseTrailers = flatten(t);
  });
  s.on('end', () => {
    // node:http2 ends a stream without a head when the peer reset it with NO_ERROR or the connection went.
    if (!gotHeaders) return finish(new UpstreamResetError(ep.hostLabel, resetReason(s, session)));
    finish(null);
  });
  s.on('error', (error: NodeJS.ErrnoException) => {
    if (gotHeaders) return finish(error);
    if (error.code === 'ERR_HTTP2_STREAM_ERROR') return finish(new UpstreamResetError(ep.hostLabel, resetReason(s, session)));
    // A session that never connected is a connect failure (nothing was sent); one that had
    // connected lost the connection under a request already sent.
    finish(session.connecting ? new UpstreamConnectError(error.message) : new UpstreamResetError(ep.hostLabel, 'connection termination'));
  });
  s.on('close', () => {
    if (done) return;
    if (session.connecting) return finish(new UpstreamConnectError('the connection closed before it was established'));
    finish(new UpstreamResetError(ep.hostLabel, resetReason(s, session)));
  });
  if (body !== null) {
    if (Buffer.isBuffer(body)) s.end(body);
    else if (typeof (body as Readable).pipe === 'function') (body as Readable).pipe(s);
    else
      void (async () => {
        for await (const chunk of body as AsyncIterable<Buffer>) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
        s.end();
      })().catch((e: Error) => finish(e));
  }
};
