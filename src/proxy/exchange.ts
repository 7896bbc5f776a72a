/**
 * One request through the proxy, independent of the protocol it arrived on: the request as it
 * will be forwarded, what the pipeline decided (route, destination, endpoint, response flags)
 * and what the response writer recorded (status, bytes). It knows nothing of sockets or of
 * Node's IncomingMessage/ServerResponse: a listener builds it from a parsed request head, and
 * the response goes to a protocol's ResponseWriter (server/response-writer.ts), the handler at
 * the downstream end of the chain. One object per request keeps allocations on the hot path low.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { splitAbsoluteForm } from './absolute-form';
import type { Endpoint } from './cluster/endpoint';
import type { EndpointSet } from './cluster/endpoint-set';
import type { CompiledRoute } from './routing/route';
import type { ListenerRuntime, Runtime } from './runtime';
import { monotonicMs } from './clock';

export type RequestBody = Buffer | Readable | AsyncIterable<Buffer> | null;

/** An upstream connection switched to another protocol (101): its socket and the bytes it sent after the head. */
export interface UpgradedStream {
  readonly socket: Socket;
  readonly head: Buffer;
}

/** A request head as any protocol delivers it: what a listener hands to `new Exchange`. */
export interface RequestHead {
  readonly method: string;
  /** The request-target: origin form (`/p?q`), absolute form (`http://h/p`) or `*`. */
  readonly target: string;
  /** `HTTP/1.1`, `HTTP/1.0`, `HTTP/2` (access log `protocol`). */
  readonly protocol: string;
  /** Header fields as received, flat `[name, value, …]`, names in any case. HTTP/2 passes `:authority` as `host`. */
  readonly rawHeaders: readonly string[];
  /** The names of `rawHeaders` are lower case already (the HTTP/1.1 codec parses them so): not lower-cased again. */
  readonly lowerCaseNames?: boolean;
  /**
   * With `lowerCaseNames`: `rawHeaders` was built for this request alone and nobody reads it
   * afterwards, so the Exchange compacts it in place into its forwarded list instead of copying
   * it into a second array (one array and its growth less per request).
   */
  readonly transferHeaders?: boolean;
  readonly clientAddress: string;
  /** Verified peer identity of the connection (`td/ns/<ns>/sa/<sa>`, security/peer-authentication.ts); absent = none. */
  readonly principal?: string;
}

/**
 * Hop-by-hop headers are never forwarded (RFC 9110 §7.6.1). A switch on the length rather than
 * a Set: a Set lookup hashes its key, and every field name of every message is a freshly sliced
 * string whose hash V8 has not cached yet (that hashing showed in the proxy's CPU profile);
 * comparing with a constant of the same length needs no hash.
 */
function isResponseHopByHop(name: string): boolean {
  switch (name.length) {
    case 2:
      return name === 'te';
    case 7:
      return name === 'trailer' || name === 'upgrade';
    case 10:
      return name === 'connection' || name === 'keep-alive';
    case 16:
      return name === 'proxy-connection';
    case 17:
      return name === 'transfer-encoding';
    default:
      return false;
  }
}

/**
 * A request's hop-by-hop headers, plus `host` (it travels as `authority`), `expect` (the
 * downstream codec answers 100-continue; it is not passed on) and `proxy-authorization`.
 */
function isRequestHopByHop(name: string): boolean {
  switch (name.length) {
    case 4:
      return name === 'host';
    case 6:
      return name === 'expect';
    case 19:
      return name === 'proxy-authorization';
    default:
      return isResponseHopByHop(name);
  }
}

/** Envoy's ResponseFlag enum order, which its %RESPONSE_FLAGS% formatting follows. */
const FLAG_ORDER = ['LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH', 'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM'];
const flagRank = (f: string): number => {
  const i = FLAG_ORDER.indexOf(f);
  return i === -1 ? FLAG_ORDER.length : i;
};

/**
 * Response headers as the pipeline sees them: hop-by-hop fields dropped, in place, from a list
 * whose names are already lower case (the HTTP/1.1 codec parses them so, http1/syntax.ts);
 * returns the same list (no second array per response).
 */
export function forwardableResponseHeaders(headers: string[]): string[] {
  let to = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (isResponseHopByHop(name)) continue;
    if (to !== i) {
      headers[to] = name;
      headers[to + 1] = headers[i + 1]!;
    }
    to += 2;
  }
  if (to !== headers.length) headers.length = to;
  return headers;
}

export class Exchange {
  readonly start = monotonicMs();
  readonly startTime = Date.now();
  readonly method: string;
  readonly protocol: string;
  /** Path and query, as forwarded (rewrite changes it). */
  path: string;
  /** The path before any rewrite (access log, x-envoy-original-path). */
  readonly originalPath: string;
  /** Host (authority), lower case, as forwarded. */
  authority: string;
  /** Request headers as forwarded, flat, lower-case names, hop-by-hop removed. */
  readonly headers: string[];
  body: RequestBody = null;
  /** Body length when known (content-length or buffered), else -1. */
  bodyLength = 0;
  /** True when the body can be sent again (none, or fully buffered): retries and mirrors need it. */
  replayable = true;
  readonly clientAddress: string;
  /** Verified peer identity from the connection's mTLS certificate ('' = plaintext / none). */
  readonly principal: string;
  /** Verified JWT of the request (set by the inbound security step), for authorization. */
  jwt: { principal: string; claims: Record<string, unknown> } | null = null;
  /** True when the head announced a body (Content-Length > 0 or Transfer-Encoding). */
  readonly hasBody: boolean;

  route: CompiledRoute | null = null;
  target: EndpointSet | null = null;
  endpoint: Endpoint | null = null;
  /** Envoy-style response flags, comma separated ('' = none). */
  flags = '';
  /** Written by the response writer: status sent and body bytes sent downstream. */
  status = 0;
  bytesSent = 0;
  attempts = 0;
  requestId = '';
  traceparent = '';
  /** Response trailers from an HTTP/2 upstream (gRPC status), written after the body by the HTTP/2 writer. */
  responseTrailers: string[] | null = null;
  /** gRPC status of a trailers-only response (the upstream's, or a local reply mapped by the HTTP/2 writer); '' = none. */
  grpcStatus = '';
  /** Extra response headers decided before the response exists (Set-Cookie of hash LB). */
  responseExtra: string[] | null = null;
  /** Inbound: the caller's identity from the x-weft-peer metadata header ('' = unknown). */
  peer = '';
  upstreamStart = 0;
  upstreamTime = -1;
  /**
   * `websocket` when this is an HTTP/1.1 WebSocket upgrade request (GET, `Connection: upgrade`,
   * `Upgrade: websocket`), else null. Upgrade is hop-by-hop: the upstream codec asks for it again.
   */
  readonly upgrade: string | null = null;
  /** The upstream socket after its `101 Switching Protocols`, until the downstream codec takes it over. */
  upgraded: UpgradedStream | null = null;

  private query: URLSearchParams | null = null;
  /** `pathname` of the path `pathnameOf` (a rewrite or normalization assigns a new `path`). */
  private pathnameOf: string | null = null;
  private pathnameCache = '';

  /** Throws (TypeError from URL) on an unparseable absolute-form target: the listener answers 400. */
  constructor(
    head: RequestHead,
    readonly listener: ListenerRuntime,
    readonly runtime: Runtime,
  ) {
    this.method = head.method;
    this.protocol = head.protocol;
    const raw = head.rawHeaders;
    let host = '';
    let hasBody = false;
    let connectionTokens: string | undefined;
    let upgrade: string | undefined;
    const lower = head.lowerCaseNames === true;
    const inPlace = lower && head.transferHeaders === true;
    const headers: string[] = inPlace ? (raw as string[]) : [];
    let to = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = lower ? raw[i]! : raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (isRequestHopByHop(name)) {
        if (name === 'host') host = value;
        else if (name === 'transfer-encoding') hasBody = true;
        else if (name === 'connection') connectionTokens = value;
        else if (name === 'upgrade') upgrade = value;
        continue;
      }
      if (name === 'content-length') {
        hasBody = value !== '0';
        this.bodyLength = Number(value);
      }
      if (!inPlace) headers.push(name, value);
      else if (to !== i) {
        headers[to] = name;
        headers[to + 1] = value;
      }
      to += 2;
    }
    if (inPlace && to !== headers.length) headers.length = to;
    this.headers = headers;
    const plainConnection = connectionTokens !== undefined && connectionTokens.length === 10 && connectionTokens.toLowerCase() === 'keep-alive';
    // `Connection: keep-alive`, what most HTTP/1.1 clients send, names no other field: no split.
    if (connectionTokens && !plainConnection) {
      // Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
      let upgradeToken = false;
      for (const t of connectionTokens.split(',')) {
        const name = t.trim().toLowerCase();
        if (name === 'upgrade') upgradeToken = true;
        if (name && name !== 'close' && name !== 'keep-alive') for (let i = this.headers.length - 2; i >= 0; i -= 2) if (this.headers[i] === name) this.headers.splice(i, 2);
      }
      // WebSocket (RFC 6455 §4.1: a GET over HTTP/1.1) is the upgrade Istio enables by default
      // (Envoy upgrade_configs websocket); any other Upgrade is dropped as hop-by-hop.
      if (upgradeToken && upgrade !== undefined && this.method === 'GET' && head.protocol === 'HTTP/1.1' && upgrade.trim().toLowerCase() === 'websocket') this.upgrade = 'websocket';
    }
    let url = head.target;
    if (url.charCodeAt(0) !== 47 /* / */ && url !== '*') {
      // Absolute form: the application uses us as an explicit HTTP proxy (RFC 9112 §3.2.2).
      const parsed = splitAbsoluteForm(url);
      host = parsed.host;
      url = parsed.path;
    }
    this.path = url;
    this.originalPath = url;
    this.authority = host.toLowerCase();
    this.headers.push('host', host);
    this.hasBody = hasBody;
    if (hasBody && this.bodyLength === 0) this.bodyLength = -1;
    this.clientAddress = head.clientAddress;
    this.principal = head.principal ?? '';
  }

  /** Attaches the streaming request body (when `hasBody`); it can be sent once only. */
  setBody(body: Readable | AsyncIterable<Buffer>): void {
    this.body = body;
    this.replayable = false;
  }

  /** The path without the query string (computed once per path: every route with a path match reads it). */
  get pathname(): string {
    const path = this.path;
    if (path !== this.pathnameOf) {
      const q = path.indexOf('?');
      this.pathnameCache = q === -1 ? path : path.slice(0, q);
      this.pathnameOf = path;
    }
    return this.pathnameCache;
  }

  /** A query parameter (parsed once, only if a route asks). */
  queryParam(name: string): string | null {
    if (this.query === null) {
      const q = this.path.indexOf('?');
      // No query string: nothing to parse (a URLSearchParams per request cost a Map and a parse).
      if (q === -1) return null;
      this.query = new URLSearchParams(this.path.slice(q + 1));
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
}
