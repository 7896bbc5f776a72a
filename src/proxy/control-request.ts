/**
 * One HTTP/1.1 request of the proxy's control plane — a span batch to an OTLP/HTTP collector,
 * a Consul health query, a JWKS fetch — on `node:net` (http:) or `node:tls` (https:, the
 * system's CAs and host name checked, as `fetch` does), with the data path's strict codec
 * (./http1/), one connection per request (`connection: close`: these are a few requests a
 * minute, not a hot path). A GET follows up to 5 redirects, as `fetch` did.
 *
 * Not `fetch`: its first call loads Node's bundled undici, which costs 13–15 MB of RSS on Node 20
 * and 24 (an empty process, one POST to 127.0.0.1; docs/performance.md#proxy-memory) — a quarter
 * of the proxy's memory budget for three small requests.
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { tlsModule } from './builtins-on-demand';
import { BodyDecoder } from './http1/body-decoder';
import { parseResponseHead, type ParsedResponse } from './http1/response-head';
import { findHeadEnd, HeadError } from './http1/syntax';

export interface ControlRequestOptions {
  /** @default 'GET' */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts the request (a timeout: `AbortSignal.timeout(ms)`); the promise rejects with its reason. */
  signal?: AbortSignal;
  /** A larger response body is an error. @default 16 MiB */
  maxBodyBytes?: number;
}

export interface ControlResponse {
  status: number;
  /** 2xx */
  ok: boolean;
  /** The first field of that name (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** The body, decoded as UTF-8. */
  text: string;
}

/** The request failed: bad URL, connection, TLS, or a response that breaks HTTP/1.1. */
export class ControlRequestError extends Error {
  readonly code = 'WEFT_PROXY_CONTROL_REQUEST';
  override readonly name = 'ControlRequestError';
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_FIELDS = 100;
/** Redirects a GET follows, as `fetch` did before (an identity provider may move its JWKS). */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function controlRequest(url: string, o: ControlRequestOptions = {}): Promise<ControlResponse> {
  let target = url;
  for (let hops = 0; ; hops++) {
    const res = await once(target, o);
    const location = res.header('location');
    if ((o.method ?? 'GET') !== 'GET' || !REDIRECTS.has(res.status) || location === undefined) return res;
    if (hops === MAX_REDIRECTS) throw new ControlRequestError(`${url}: more than ${MAX_REDIRECTS} redirects`);
    target = new URL(location, target).href;
  }
}

function once(url: string, o: ControlRequestOptions): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return reject(new ControlRequestError(`not a URL: ${url}`));
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(new ControlRequestError(`${url}: only http: and https: are supported`));
    if (o.signal?.aborted) return reject(o.signal.reason);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const socket: Socket =
      u.protocol === 'https:'
        ? tlsModule().connect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ALPNProtocols: ['http/1.1'] })
        : netConnect({ host, port });
    const body = o.body === undefined ? null : typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
    const method = o.method ?? 'GET';
    let head = `${method} ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\nconnection: close\r\n`;
    for (const [name, value] of Object.entries(o.headers ?? {})) head += `${name}: ${value}\r\n`;
    if (body !== null || method === 'POST') head += `content-length: ${body?.length ?? 0}\r\n`;
    socket.write(head + '\r\n', 'latin1');
    if (body) socket.write(body);

    const maxBody = o.maxBodyBytes ?? 16 * 2 ** 20;
    let buffered: Buffer = Buffer.alloc(0);
    let response: ParsedResponse | null = null;
    let decoder: BodyDecoder | null = null;
    const payload: Buffer[] = [];
    let payloadBytes = 0;
    let settled = false;
    const onAbort = (): void => fail(o.signal!.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (error: unknown, result?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    const fail = (error: unknown): void => finish(error instanceof Error ? error : new ControlRequestError(String(error)));
    const done = (): void => {
      const r = response!;
      const text = Buffer.concat(payload).toString('utf8');
      finish(null, {
        status: r.status,
        ok: r.status >= 200 && r.status < 300,
        text,
        header: (name) => {
          const lower = name.toLowerCase();
          for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i] === lower) return r.rawHeaders[i + 1];
          return undefined;
        },
      });
    };
    const onBytes = (from: number): void => {
      const end = decoder!.push(buffered, from, buffered.length, (chunk) => {
        payloadBytes += chunk.length;
        if (payloadBytes <= maxBody) payload.push(Buffer.from(chunk));
      });
      if (end instanceof HeadError) return fail(new ControlRequestError(`${url}: malformed response body (${end.reason})`));
      if (payloadBytes > maxBody) return fail(new ControlRequestError(`${url}: response body over ${maxBody} bytes`));
      buffered = Buffer.alloc(0);
      if (decoder!.done) done();
    };
    socket.on('data', (chunk: Buffer) => {
      if (decoder) {
        buffered = chunk;
        return onBytes(0);
      }
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = findHeadEnd(buffered, 0, buffered.length);
        if (end instanceof HeadError) return fail(new ControlRequestError(`${url}: malformed response head (${end.reason})`));
        if (end < 0) {
          if (buffered.length > MAX_HEAD_BYTES) fail(new ControlRequestError(`${url}: response head over ${MAX_HEAD_BYTES} bytes`));
          return;
        }
        const parsed = parseResponseHead(buffered.toString('latin1', 0, end), MAX_FIELDS);
        if (parsed instanceof HeadError) return fail(new ControlRequestError(`${url}: malformed response head (${parsed.reason})`));
        buffered = buffered.subarray(end);
        // 1xx interim responses precede the final one (RFC 9110 §15.2).
        if (parsed.status >= 100 && parsed.status < 200) continue;
        response = parsed;
        // 204 and 304 have no body (RFC 9112 §6.3); otherwise chunked, Content-Length, or until close.
        decoder = parsed.status === 204 || parsed.status === 304 ? new BodyDecoder('length', 0) : parsed.chunked ? new BodyDecoder('chunked') : parsed.contentLength >= 0 ? new BodyDecoder('length', parsed.contentLength) : new BodyDecoder('close');
        return onBytes(0);
      }
    });
    socket.on('end', () => {
      if (response && decoder && !decoder.done && parsedUntilClose(response)) return done();
      fail(new ControlRequestError(`${url}: connection closed before the response ended`));
    });
    socket.on('error', (e) => fail(new ControlRequestError(`${url}: ${e.message}`)));
  });
}

/** A body delimited by the end of the connection (no Content-Length, not chunked). */
function parsedUntilClose(r: ParsedResponse): boolean {
  return !r.chunked && r.contentLength < 0 && r.status !== 204 && r.status !== 304;
}
