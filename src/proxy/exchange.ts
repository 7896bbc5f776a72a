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
import type { ListenerRuntime } from './runtime';

export type RequestBody = Buffer | Readable | AsyncIterable<Buffer> | null;

/**
 * Hop-by-hop headers are never forwarded (RFC 9110 §7.6.1); `host` travels as `authority`;
 * `expect` is answered by Node's server (100-continue) and undici refuses it.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'expect', 'host']);
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const noop = (): void => {};

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
  upstreamStart = 0;
  upstreamTime = -1;

  private abortUpstream: Abort | null = null;
  private resume: () => void = noop;
  private ended = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly listener: ListenerRuntime,
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

  header(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }

  addFlag(flag: string): void {
    this.flags = this.flags === '' ? flag : this.flags + ',' + flag;
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
      if (kind === 'timeout' && !this.flags.includes('UT')) this.addFlag('UT');
      else if (!this.flags.includes('U')) this.addFlag('UC');
      this.res.destroy(error);
      this.finish();
      return;
    }
    const reply = replyFor(kind);
    if (!this.flags.split(',').includes(reply.flag)) this.addFlag(reply.flag);
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
