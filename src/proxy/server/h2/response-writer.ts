/**
 * The HTTP/2 response writer: HEADERS (+ DATA) on the request's stream, trailers when the
 * upstream sent some (gRPC's grpc-status / grpc-message), RST_STREAM to abandon a response that
 * already started.
 *
 * gRPC: a request with `content-type: application/grpc…` must get a gRPC answer also when the
 * proxy itself answers (rate limit, timeout, no upstream, 401/403). Such local replies become
 * trailers-only responses — HTTP 200, `grpc-status` from the HTTP status as Envoy maps it, the
 * reply's text in `grpc-message` as Envoy's local replies carry it ("upstream connect error or
 * disconnect/reset before headers. reset reason: remote reset", "local_rate_limited") — so
 * that a gRPC client sees a status, not a protocol error. A rate-limited call gets
 * RESOURCE_EXHAUSTED (Envoy local_ratelimit `rate_limited_as_resource_exhausted`), a timeout
 * DEADLINE_EXCEEDED.
 * @see https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses
 */
import type { ServerHttp2Stream } from 'node:http2';
import type { Exchange } from '../../exchange';
import { ResponseWriter } from '../response-writer';

/** RST_STREAM error code INTERNAL_ERROR (RFC 9113 §7), as a literal: node:http2 loads only when a config uses HTTP/2 (../../builtins-on-demand.ts). */
const NGHTTP2_INTERNAL_ERROR = 0x2;
/** The most of a converted reply's body kept for grpc-message. */
const GRPC_MESSAGE_MAX_BYTES = 1024;
/** HTTP/2 forbids connection-specific fields (RFC 9113 §8.2.2). */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

export const GRPC = { OK: 0, CANCELLED: 1, UNKNOWN: 2, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export function isGrpc(ex: Pick<Exchange, 'header'>): boolean {
  return ex.header('content-type')?.startsWith('application/grpc') ?? false;
}

/** The gRPC status of a local reply (HTTP → gRPC mapping, plus Envoy's RL and UT cases). */
export function grpcStatusOf(status: number, flags: string): number {
  if (status === 429 || flags.split(',').includes('RL')) return GRPC.RESOURCE_EXHAUSTED;
  if (status === 504 || flags.split(',').includes('UT')) return GRPC.DEADLINE_EXCEEDED;
  switch (status) {
    case 400:
      return GRPC.INTERNAL;
    case 401:
      return GRPC.UNAUTHENTICATED;
    case 403:
      return GRPC.PERMISSION_DENIED;
    case 404:
      return GRPC.UNIMPLEMENTED;
    case 502:
    case 503:
      return GRPC.UNAVAILABLE;
    default:
      return GRPC.UNKNOWN;
  }
}

export class Http2ResponseWriter extends ResponseWriter {
  /** Set once a trailers-only gRPC response was sent or is pending (a converted local reply, or the upstream's): no body follows. */
  private grpcLocal = false;
  /** A reply converted to gRPC, held until its text (the body) is in. */
  private grpcReply: { head: Record<string, string | string[]>; text: Buffer[]; size: number; fallback: string } | null = null;

  constructor(
    ex: Exchange,
    private readonly stream: ServerHttp2Stream,
  ) {
    super(ex);
    // Trailers the upstream sent are written after the last DATA frame.
    stream.on('wantTrailers', () => {
      const t = this.ex.responseTrailers;
      const out: Record<string, string> = {};
      if (t) for (let i = 0; i < t.length; i += 2) out[t[i]!] = t[i + 1]!;
      if (!stream.destroyed) stream.sendTrailers(out);
    });
  }

  protected get closed(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  protected writeHead(status: number, headers: string[]): void {
    const out: Record<string, string | string[]> = {};
    let contentType = '';
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (H2_FORBIDDEN.has(name)) continue;
      const value = headers[i + 1]!;
      if (name === 'content-type') contentType = value;
      const prev = out[name];
      out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    if (isGrpc(this.ex) && !contentType.startsWith('application/grpc')) {
      // A local reply to a gRPC call: trailers-only response with the mapped status, sent once
      // its text is in (the body that follows: writeBody, endBody).
      this.grpcLocal = true;
      const code = grpcStatusOf(status, this.ex.flags);
      out['content-type'] = 'application/grpc';
      delete out['content-length'];
      out['grpc-status'] = String(code);
      this.ex.grpcStatus = String(code);
      this.grpcReply = { head: out, text: [], size: 0, fallback: `${status} ${this.ex.flags || 'local reply'}` };
      return;
    }
    if (out['grpc-status'] !== undefined) {
      // A trailers-only gRPC response (an error without messages): one HEADERS frame that ends the stream.
      this.grpcLocal = true;
      this.ex.grpcStatus = String(out['grpc-status']);
      this.stream.respond({ ...out, ':status': status }, { endStream: true });
      return;
    }
    // gRPC ends with a trailers HEADERS frame (grpc-status), after the messages.
    const trailers = contentType.startsWith('application/grpc');
    this.stream.respond({ ...out, ':status': status }, { waitForTrailers: trailers });
  }

  /**
   * Sends the converted reply with its text in grpc-message — the reply body, as Envoy sends its
   * local replies ("upstream connect error or disconnect/reset before headers. reset reason:
   * remote reset", "RBAC: access denied"); status and flags when the body is empty.
   */
  private sendGrpcReply(): void {
    const reply = this.grpcReply!;
    this.grpcReply = null;
    if (this.closed) return;
    const text = Buffer.concat(reply.text, reply.size).toString('utf8', 0, Math.min(reply.size, GRPC_MESSAGE_MAX_BYTES));
    reply.head['grpc-message'] = encodeURIComponent(text || reply.fallback);
    this.stream.respond({ ...reply.head, ':status': 200 }, { endStream: true });
  }

  private collect(chunk: Buffer | undefined): void {
    const reply = this.grpcReply!;
    if (chunk === undefined || chunk.length === 0 || reply.size >= GRPC_MESSAGE_MAX_BYTES) return;
    reply.text.push(chunk);
    reply.size += chunk.length;
  }

  protected writeBody(chunk: Buffer): boolean {
    if (this.grpcReply !== null) {
      this.collect(chunk);
      // A long body (an upstream's error page) does not hold the reply back.
      if (this.grpcReply.size >= GRPC_MESSAGE_MAX_BYTES) this.sendGrpcReply();
      return true;
    }
    if (this.grpcLocal) return true;
    const ok = this.stream.write(chunk);
    if (!ok) this.stream.once('drain', () => this.resume());
    return ok;
  }

  protected endBody(last?: Buffer): void {
    if (this.grpcReply !== null) {
      this.collect(last);
      return this.sendGrpcReply();
    }
    if (this.grpcLocal || this.stream.destroyed) return;
    if (last && last.length > 0) this.stream.end(last);
    else this.stream.end();
  }

  protected reset(_error: Error): void {
    // A converted reply still waiting for its text goes out with the text it has: it is a status, not a stream to abandon.
    if (this.grpcReply !== null) return this.sendGrpcReply();
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR);
  }
}
