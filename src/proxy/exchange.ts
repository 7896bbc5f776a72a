/**
 * One request through the proxy: the parsed request as it will be forwarded, what the pipeline
 * decided (route, destination, endpoint, response flags), and the downstream end of the
 * handler chain, which writes the response to the client and then records metrics and the
 * access log. One object per request keeps allocations on the hot path low.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Endpoint } from './cluster/endpoint';
import type { EndpointSet } from './cluster/endpoint-set';
import { classify, replyFor } from './pipeline/failure';
import type { Abort, Handler } from './pipeline/types';
import type { CompiledRoute } from './routing/route';
import type { ListenerRuntime, Runtime } from './runtime';

export type RequestBody = Buffer | Readable | AsyncIterable<Buffer> | null;

/**
 * Hop-by-hop headers are never forwarded (RFC 9110 §7.6.1); `host` travels as `authority`;
 * `expect` is answered by Node's server (100-continue) and undici refuses it.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'expect', 'host']);
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const noop = (): void => {};
/** Envoy's ResponseFlag enum order, which its %RESPONSE_FLAGS% formatting follows. */
const FLAG_ORDER = ['LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH', 'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM'];
const flagRank = (f: string): number => {
  const i = FLAG_ORDER.indexOf(f);
  return i === -1 ? FLAG_ORDER.length : i;
};
const uncork = (res: ServerResponse): void => {
  if (!res.destroyed) res.uncork();
};

export class Exchange implements Handler {
  readonly start = performance.now();
  readonly startTime = Date.now();
  readonly method: string;
  /** Path and query, as forwarded (rewrite changes it). */
  path: string;
  /** The path before any rewrite (access log, x-envoy-original-path). */
  readonly originalPath: string;
  /** Host (authority), lower case, as forwarded. */
  authority: string;
  /** Request headers as forwarded, flat, lower-case names, hop-by-hop removed. */
  readonly headers: string[] = [];
  body: RequestBody = null;
  /** Body length when known (content-length or buffered), else -1. */
  bodyLength = 0;
  /** True when the body can be sent again (none, or fully buffered): retries and mirrors need it. */
  replayable = true;
  readonly clientAddress: string;

  route: CompiledRoute | null = null;
  target: EndpointSet | null = null;
  endpoint: Endpoint | null = null;
  /** Envoy-style response flags, comma separated ('' = none). */
  flags = '';
  status = 0;
  bytesSent = 0;
  attempts = 0;
  requestId = '';
  traceparent = '';
  /** Extra response headers decided before the response exists (Set-Cookie of hash LB). */
  responseExtra: string[] | null = null;
  /** Inbound: the caller's identity from the x-weft-peer metadata header ('' = unknown). */
  peer = '';
  upstreamStart = 0;
  upstreamTime = -1;

  private query: URLSearchParams | null = null;
  private abortUpstream: Abort | null = null;
  private resume: () => void = noop;
  private ended = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly listener: ListenerRuntime,
    readonly runtime: Runtime,
  ) {
    this.method = req.method ?? 'GET';
    const raw = req.rawHeaders;
    let host = '';
    let hasBody = false;
    let connectionTokens: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (HOP_BY_HOP.has(name)) {
        if (name === 'host') host = value;
        else if (name === 'transfer-encoding') hasBody = true;
        else if (name === 'connection') connectionTokens = value;
        continue;
      }
      if (name === 'content-length') {
        hasBody = value !== '0';
        this.bodyLength = Number(value);
      }
      this.headers.push(name, value);
    }
    if (connectionTokens) {
      // Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
      for (const t of connectionTokens.split(',')) {
        const name = t.trim().toLowerCase();
        if (name && name !== 'close' && name !== 'keep-alive') for (let i = this.headers.length - 2; i >= 0; i -= 2) if (this.headers[i] === name) this.headers.splice(i, 2);
      }
    }
    let url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47 /* / */ && url !== '*') {
      // Absolute form: the application uses us as an explicit HTTP proxy (RFC 9112 §3.2.2).
      const parsed = new URL(url);
      host = parsed.host;
      url = parsed.pathname + parsed.search;
    }
    this.path = url;
    this.originalPath = url;
    this.authority = host.toLowerCase();
    this.headers.push('host', host);
    if (hasBody) {
      this.body = req;
      this.replayable = false;
      if (this.bodyLength === 0) this.bodyLength = -1;
    }
    this.clientAddress = req.socket.remoteAddress ?? '';
  }

  /** The path without the query string. */
  get pathname(): string {
    const q = this.path.indexOf('?');
    return q === -1 ? this.path : this.path.slice(0, q);
  }

  /** A query parameter (parsed once, only if a route asks). */
  queryParam(name: string): string | null {
    if (this.query === null) {
      const q = this.path.indexOf('?');
      this.query = new URLSearchParams(q === -1 ? '' : this.path.slice(q + 1));
    }
    return this.query.get(name);
  }

  header(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }

  /** Adds a response flag; the string lists flags in Envoy's canonical order (e.g. "UF,URX"). */
  addFlag(flag: string): void {
    if (this.flags === '') {
      this.flags = flag;
      return;
    }
    const set = this.flags.split(',');
    if (set.includes(flag)) return;
    set.push(flag);
    set.sort((x, y) => flagRank(x) - flagRank(y));
    this.flags = set.join(',');
  }

  /** Called when the client goes away: stop the upstream work (response flag DC). */
  downstreamClosed(error: Error): void {
    if (this.ended) return;
    this.addFlag('DC');
    if (this.abortUpstream) this.abortUpstream(error);
    else this.finish();
  }

  // ---- the downstream end of the handler chain ----

  onConnect(abort: Abort): void {
    this.abortUpstream = abort;
  }

  onHeaders(status: number, headers: string[], resume: () => void): boolean {
    if (this.ended || this.res.destroyed) return false;
    this.status = status;
    this.resume = resume;
    if (this.upstreamStart > 0) this.upstreamTime = performance.now() - this.upstreamStart;
    const out = this.responseExtra ? headers.concat(this.responseExtra) : headers;
    if (this.flags !== '') out.push('x-weft-response-flags', this.flags);
    if (this.listener.draining) out.push('connection', 'close');
    this.res.writeHead(status, out);
    // Headers, a small body and the end usually arrive in the same tick from undici's parser:
    // cork so they leave in one writev instead of two or three syscalls.
    this.res.cork();
    process.nextTick(uncork, this.res);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.ended) return false;
    this.bytesSent += chunk.length;
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', this.resume);
    return ok;
  }

  onComplete(): void {
    if (this.ended) return;
    this.res.end();
    this.finish();
  }

  onError(error: Error): void {
    if (this.ended) return;
    const kind = classify(error);
    if (kind === 'downstream' || this.res.destroyed) {
      this.finish();
      return;
    }
    if (this.res.headersSent) {
      // The response is already streaming: the only honest signal left is a reset.
      this.addFlag(kind === 'timeout' ? 'UT' : 'UC');
      this.res.destroy(error);
      this.finish();
      return;
    }
    const reply = replyFor(kind);
    this.addFlag(reply.flag);
    const headers = ['content-type', 'text/plain', 'content-length', String(Buffer.byteLength(reply.body))];
    if (kind === 'overflow') headers.push('x-envoy-overloaded', 'true');
    this.onHeaders(reply.status, headers, noop);
    this.bytesSent += reply.body.length;
    this.res.end(reply.body);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.listener.finish(this);
  }

  static responseHeaders(raw: Buffer[] | string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toString('latin1').toLowerCase();
      if (RESPONSE_HOP_BY_HOP.has(name)) continue;
      out.push(name, raw[i + 1]!.toString('latin1'));
    }
    return out;
  }
}
