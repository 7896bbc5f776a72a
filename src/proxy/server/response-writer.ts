/**
 * The downstream end of every request chain: a Handler that writes the response to the client
 * in one protocol's framing, then hands the finished Exchange to its listener (metrics, access
 * log). This base class holds what every protocol shares — response flags, the extra headers
 * of the hash LB, local replies for failures (Envoy's bodies and flags, pipeline/failure.ts),
 * resetting a response that already started, backpressure, the order of head, body and end,
 * and "finish exactly once" — and leaves the wire to one subclass per protocol:
 * `Http1ResponseWriter` (server/http1/) and `Http2ResponseWriter` (server/h2/). Contract for a
 * subclass, see docs/proxy.md "Exchange and response writers".
 */
import { ResponseOrderError } from '../errors';
import type { Exchange } from '../exchange';
import { classify, replyFor } from '../pipeline/failure';
import type { Abort, Handler } from '../pipeline/types';
import { monotonicMs } from '../clock';

const noop = (): void => {};

export abstract class ResponseWriter implements Handler {
  private abortUpstream: Abort | null = null;
  /** The upstream's resume: called by the subclass when the downstream drained. */
  protected resume: () => void = noop;
  private ended = false;
  /** The head was handed to `writeHead` (status line / HEADERS frame): one per response, body only after it. */
  started = false;

  constructor(readonly ex: Exchange) {}

  // ---- what a protocol implements ----

  /** True once the downstream stream/connection can take no more bytes. */
  protected abstract get closed(): boolean;
  /** Sends status and headers (flat, lower-case names, hop-by-hop already removed). */
  protected abstract writeHead(status: number, headers: string[]): void;
  /** Sends body bytes; false = buffer full, call `this.resume()` once drained. */
  protected abstract writeBody(chunk: Buffer): boolean;
  /** Ends the response, optionally with a last chunk. */
  protected abstract endBody(last?: Buffer): void;
  /** Abandons a response that already started (HTTP/1.1: close the connection; HTTP/2: RST_STREAM). */
  protected abstract reset(error: Error): void;

  // ---- called by the listener ----

  /** The client went away: stop the upstream work (response flag DC). */
  downstreamClosed(error: Error): void {
    if (this.ended) return;
    this.ex.addFlag('DC');
    if (this.abortUpstream) this.abortUpstream.abort(error);
    else this.finish();
  }

  // ---- Handler ----

  onConnect(abort: Abort): void {
    this.abortUpstream = abort;
  }

  onHeaders(status: number, headers: string[], resume: () => void): boolean {
    const ex = this.ex;
    if (this.ended || this.closed) return false;
    if (this.started) return this.refuse('a second response head');
    ex.status = status;
    this.resume = resume;
    if (ex.upstreamStart > 0) ex.upstreamTime = monotonicMs() - ex.upstreamStart;
    const out = ex.responseExtra ? headers.concat(ex.responseExtra) : headers;
    if (ex.flags !== '') out.push('x-weft-response-flags', ex.flags);
    this.started = true;
    this.writeHead(status, out);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.ended) return false;
    if (!this.started) return this.refuse('response body before its head');
    this.ex.bytesSent += chunk.length;
    return this.writeBody(chunk);
  }

  onComplete(): void {
    if (this.ended) return;
    if (!this.started) {
      this.refuse('response end before its head');
      return;
    }
    this.endBody();
    this.finish();
  }

  onError(error: Error): void {
    if (this.ended) return;
    const ex = this.ex;
    const kind = classify(error);
    if (kind === 'downstream' || this.closed) {
      this.finish();
      return;
    }
    if (this.started) {
      // The response is already streaming: the only honest signal left is a reset.
      ex.addFlag(kind === 'timeout' ? 'UT' : 'UC');
      this.reset(error);
      this.finish();
      return;
    }
    const reply = replyFor(kind, error);
    ex.addFlag(reply.flag);
    const body = Buffer.from(reply.body);
    const headers = ['content-type', 'text/plain', 'content-length', String(body.length)];
    if (kind === 'overflow') headers.push('x-envoy-overloaded', 'true');
    this.onHeaders(reply.status, headers, noop);
    ex.bytesSent += body.length;
    this.endBody(body);
    this.finish();
  }

  /**
   * A chain step broke the Handler contract (types.ts: one head, then body, then one end). Written
   * as asked, a second head makes node:http2 throw ERR_HTTP2_HEADERS_SENT outside any handler
   * (an uncaught exception ends the proxy) and HTTP/1.1 put two heads on the wire; body before
   * the head makes node:http2 send an implicit 200 first. So the request ends here instead:
   * reset if the head left, a local reply if not; the upstream is aborted, and the violation
   * counted (weft_proxy_internal_errors_total) so that it is seen, not only survived.
   */
  private refuse(what: string): false {
    const error = new ResponseOrderError(what);
    this.ex.runtime.metrics?.inc('weft_proxy_internal_errors_total{kind="response_order"}');
    this.onError(error);
    this.abortUpstream?.abort(error);
    return false;
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ex.listener.finish(this.ex);
  }
}
