/**
 * One upstream HTTP/1.1 connection of an endpoint's pool: writes a request (head encoded into
 * one Buffer, a buffered body in the same Buffer; a streamed body with backpressure, chunked
 * when its length is unknown) and reads the response with the strict head parser and the body
 * framing tracker shared with the downstream codec. 1xx interim responses are skipped; HEAD,
 * 204 and 304 responses have no body; a response without Content-Length or chunked framing
 * ends when the upstream closes. Backpressure: when the pipeline's handler returns false the
 * socket is paused until it calls `resume`.
 *
 * Reads: a plain-TCP socket of the pool reads into one buffer shared by every upstream
 * connection (`net.connect({ onread })`, `UPSTREAM_READ_BUFFER`): no Readable push, no
 * `maybeReadMore` tick and no fresh 64 KiB allocation per read, as `'data'` events cost. The
 * buffer is overwritten by the next read of any socket (each read's callback runs to its end
 * first: one thread), so nothing may keep a view of it past `onRead`; the retainers are
 * - body bytes handed to the pipeline (`onPayload`): copied, since writers queue them on the
 *   downstream socket or HTTP/2 stream, and steps may hold them;
 * - unconsumed bytes (a partial head or body): moved into the read arena (`ReadBuffer.retain`);
 * - the bytes after a `101` and everything the upgraded socket reads later: copied, and pushed
 *   into the socket's own Readable so that the WebSocket splice pipes it like any socket;
 * - the response head: parsed from a latin1 string copy.
 * TLS sockets from a connector (mTLS) read through `'data'` as before.
 * @see https://nodejs.org/docs/latest-v20.x/api/net.html#socketconnectoptions-connectlistener (onread)
 */
import type { Socket } from 'node:net';
import { UpstreamProtocolError, UpstreamResetError } from '../errors';
import { forwardableResponseHeaders, type RequestBody, type UpgradedStream } from '../exchange';
import { BodyDecoder } from '../http1/body-decoder';
import { fieldsLength, putFields, putLatin1 } from '../http1/head-encoder';
import { parseResponseHead } from '../http1/response-head';
import { ReadBuffer } from '../http1/read-buffer';
import { findHeadEnd, HeadError } from '../http1/syntax';
import { NOTHING_TO_ABORT, type Abort, type Handler } from '../pipeline/types';

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  /** Flat lower-case pairs, hop-by-hop removed, `host` included. */
  readonly headers: readonly string[];
  readonly body: RequestBody;
  /** The protocol to upgrade to (`websocket`), asked for again on this hop; absent = none. */
  readonly upgrade?: string | null;
  /** Set on a `101` answer to `upgrade`: the socket leaves the pool for the downstream codec. */
  upgraded?: UpgradedStream | null;
}

const MAX_RESPONSE_HEAD = 65_536;
/** The read buffer of every `onread` upstream socket (see above); Node's own read size. */
export const UPSTREAM_READ_BUFFER = Buffer.allocUnsafeSlow(65_536);
const MAX_RESPONSE_FIELDS = 100;
/** Methods whose requests carry a body by convention: an empty one is announced (as undici and Node do). */
const isPayloadMethod = (method: string): boolean => method === 'POST' || method === 'PUT' || method === 'PATCH';

const enum State {
  Connecting,
  Head,
  Body,
  Idle,
  Dead,
}

export class UpstreamConnection implements Abort {
  /** Requests sent on this connection. */
  requests = 0;
  /** Index in its pool's list of busy connections, -1 when not busy (cluster/http1-pool.ts). */
  poolSlot = -1;
  /** monotonicMs() when it was last parked idle in its pool (the pool's idle expiry). */
  parkedAt = 0;
  private socket: Socket | null = null;
  private state = State.Connecting;
  private handler: Handler | null = null;
  private pending: { req: UpstreamRequest; last: boolean } | null = null;
  private readonly buf = new ReadBuffer();
  private headScan = 0;
  /** The body framing of the response being read (`ownDecoder`), null when it has no body. */
  private decoder: BodyDecoder | null = null;
  /** One decoder per connection, reset for each response. */
  private readonly ownDecoder = new BodyDecoder('length');
  private isHead = false;
  private last = false;
  private keepAlive = true;
  /** The request (head and body) has been written completely. */
  private sent = false;
  private evict: ((c: UpstreamConnection) => void) | null = null;
  /** The request in flight when it asked for an upgrade (a 101 is then expected, not an error). */
  private upgrading: UpstreamRequest | null = null;
  /** The socket reads into UPSTREAM_READ_BUFFER through `onRead` (see the file comment). */
  private readsIntoShared = false;
  /** After a 101 on such a socket: its reads are copied into its own Readable for the splice. */
  private tunnel: Socket | null = null;

  constructor(
    private readonly label: string,
    private readonly release: (c: UpstreamConnection, keep: boolean) => void,
  ) {}

  get reusable(): boolean {
    return this.state === State.Idle && this.socket !== null && !this.socket.destroyed;
  }

  /**
   * The pool's connector finished: start the waiting request, or fail it. `readsIntoShared`: the
   * socket was opened with `onread` calling `onRead` (UPSTREAM_READ_BUFFER), not `'data'` events.
   */
  connected(error: Error | null, socket: Socket | null, readsIntoShared = false): void {
    if (this.state === State.Dead) {
      socket?.destroy();
      return;
    }
    if (error || !socket) return this.fail(error ?? new UpstreamResetError(this.label));
    this.socket = socket;
    this.readsIntoShared = readsIntoShared;
    if (!readsIntoShared) socket.on('data', this.onData);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
    const p = this.pending;
    this.pending = null;
    if (p) this.write(p.req, p.last);
  }

  send(req: UpstreamRequest, handler: Handler, last: boolean): void {
    if (this.state === State.Dead) {
      // Closed between the pool's check and now: the exchange still ends exactly once.
      this.release(this, false);
      handler.onConnect(NOTHING_TO_ABORT);
      handler.onError(new UpstreamResetError(this.label));
      return;
    }
    this.requests++;
    this.handler = handler;
    this.last = last;
    this.isHead = req.method === 'HEAD';
    this.keepAlive = true;
    this.sent = false;
    this.decoder = null;
    this.upgrading = req.upgrade ? req : null;
    // Active from here on, so that an abort (even one inside onConnect) releases the connection.
    this.state = this.socket === null ? State.Connecting : State.Head;
    handler.onConnect(this);
    if (this.handler !== handler) return; // aborted inside onConnect: fail() ended it
    if (this.socket === null) {
      this.pending = { req, last };
      return;
    }
    this.socket.resume();
    this.write(req, last);
  }

  /**
   * Back in the pool, which closes it after its idle timeout (http1-pool.ts, one timer per pool;
   * no socket timeout, which Node refreshes on every read and write); `evict` if the upstream
   * closes it or sends bytes nobody asked for first.
   */
  park(evict: (c: UpstreamConnection) => void): void {
    this.evict = evict;
    this.socket?.resume();
  }

  destroy(): void {
    if (this.state === State.Dead) return;
    this.state = State.Dead;
    this.socket?.destroy();
  }

  private write(req: UpstreamRequest, last: boolean): void {
    const socket = this.socket!;
    this.state = State.Head;
    const h = req.headers;
    let hasLength = false;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === 'content-length') {
        hasLength = true;
        break;
      }
    }
    const body = req.body;
    const buffered = body !== null && Buffer.isBuffer(body) ? body : null;
    let chunked = false;
    /** The framing and connection fields the codec adds after the request's own. */
    let tail = '';
    if (body === null) {
      if (!hasLength && isPayloadMethod(req.method)) tail = 'content-length: 0\r\n';
    } else if (buffered !== null) {
      if (!hasLength) tail = `content-length: ${buffered.length}\r\n`;
    } else if (!hasLength) {
      chunked = true;
      tail = 'transfer-encoding: chunked\r\n';
    }
    if (req.upgrade) tail += `connection: upgrade\r\nupgrade: ${req.upgrade}\r\n`;
    else if (last) tail += 'connection: close\r\n';
    // The head, and a buffered body after it, in one Buffer: one write (http1/head-encoder.ts).
    const bodyLength = buffered === null ? 0 : buffered.length;
    const out = Buffer.allocUnsafe(req.method.length + req.path.length + 12 + fieldsLength(h) + tail.length + 2 + bodyLength);
    let at = putLatin1(out, 0, req.method);
    out[at++] = 32;
    at = putLatin1(out, at, req.path);
    at = putLatin1(out, at, ' HTTP/1.1\r\n');
    at = putFields(out, at, h);
    at = putLatin1(out, at, tail);
    out[at++] = 13;
    out[at++] = 10;
    if (bodyLength > 0) buffered!.copy(out, at);
    socket.write(out);
    if (body === null || buffered !== null) {
      this.sent = true;
      return;
    }
    void this.pump(socket, body as AsyncIterable<Buffer>, chunked);
  }

  /** Streams a request body with backpressure; chunk-encodes it when its length is unknown. */
  private async pump(socket: Socket, body: AsyncIterable<Buffer>, chunked: boolean): Promise<void> {
    try {
      for await (const chunk of body) {
        if (socket.destroyed || this.state === State.Dead) return;
        if (chunk.length === 0) continue;
        let ok: boolean;
        if (chunked) {
          socket.cork();
          socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
          socket.write(chunk);
          ok = socket.write('\r\n', 'latin1');
          socket.uncork();
        } else ok = socket.write(chunk);
        if (!ok) await drained(socket);
      }
      if (socket.destroyed || this.state === State.Dead) return;
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      this.sent = true;
    } catch {
      // The downstream body failed (client gone): the chain aborts this exchange; never reuse.
      this.destroy();
    }
  }

  /**
   * The `onread` callback (pool-opened plain sockets): `buffer` is UPSTREAM_READ_BUFFER, valid
   * until this returns. False pauses the socket (Node's contract), as `socket.pause()` would.
   */
  readonly onRead = (nread: number, buffer: Buffer): boolean => {
    const tunnel = this.tunnel;
    if (tunnel !== null) return tunnel.push(Buffer.from(buffer.subarray(0, nread)));
    this.onData(buffer.subarray(0, nread));
    this.buf.retain(buffer);
    return true;
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === State.Idle || this.state === State.Dead) {
      // Bytes nobody asked for: the connection is out of sync; never reuse it.
      this.evict?.(this);
      this.destroy();
      return;
    }
    this.buf.append(chunk);
    while (this.buf.length > 0 && (this.state === State.Head || this.state === State.Body)) {
      if (this.state === State.Head && !this.readHead()) return;
      if (this.state === State.Body) {
        const end = this.decoder!.push(this.buf.bytes, 0, this.buf.length, this.onPayload);
        if (end instanceof HeadError) return this.fail(new UpstreamProtocolError(this.label, end.reason));
        this.buf.consume(end);
        if (this.decoder!.done) this.complete();
        return;
      }
    }
  };

  private readHead(): boolean {
    const end = findHeadEnd(this.buf.bytes, this.headScan, this.buf.length);
    if (end instanceof HeadError) {
      this.fail(new UpstreamProtocolError(this.label, end.reason));
      return false;
    }
    if (end < 0) {
      this.headScan = -end - 1;
      if (this.buf.length > MAX_RESPONSE_HEAD) this.fail(new UpstreamProtocolError(this.label, 'response head too large'));
      return false;
    }
    this.headScan = 0;
    const head = parseResponseHead(this.buf.bytes.toString('latin1', 0, end), MAX_RESPONSE_FIELDS);
    this.buf.consume(end);
    if (head instanceof HeadError) {
      this.fail(new UpstreamProtocolError(this.label, head.reason));
      return false;
    }
    if (head.status < 200) {
      if (head.status === 101) {
        if (this.upgrading !== null) {
          this.switchProtocols(this.upgrading, forwardableResponseHeaders(head.rawHeaders));
          return false;
        }
        // A switch the proxy never asked for (upgrade is hop-by-hop): the connection is unusable.
        this.fail(new UpstreamProtocolError(this.label, 'unexpected 101 Switching Protocols'));
        return false;
      }
      return true; // 100 Continue, 103 Early Hints…: interim, the final response follows
    }
    this.keepAlive = head.minor === 1 ? !head.close : head.keepAlive && !head.close;
    const noBody = this.isHead || head.status === 204 || head.status === 304;
    if (noBody) this.decoder = null;
    else if (head.chunked) this.decoder = this.ownDecoder.reset('chunked');
    else if (head.contentLength >= 0) this.decoder = this.ownDecoder.reset('length', head.contentLength);
    else {
      this.decoder = this.ownDecoder.reset('close');
      this.keepAlive = false;
    }
    this.state = State.Body;
    const handler = this.handler!;
    if (!handler.onHeaders(head.status, forwardableResponseHeaders(head.rawHeaders), this.resume)) this.socket?.pause();
    if (this.state !== State.Body) return false;
    if (this.decoder === null || this.decoder.done) {
      this.complete();
      return false;
    }
    return true;
  }

  /**
   * The upstream accepted the upgrade: the socket leaves the pool (never reused for HTTP) and is
   * handed, with any bytes it sent after the 101 head, to the exchange; the chain sees a 101
   * response that completes at once, and the downstream codec splices the two sockets. When no
   * downstream takes the socket (the client left, a timeout answered first), it is closed.
   */
  private switchProtocols(req: UpstreamRequest, headers: string[]): void {
    const socket = this.socket!;
    socket.off('data', this.onData);
    socket.off('error', this.onSocketError);
    socket.off('close', this.onClose);
    socket.on('error', noop);
    const rest = Buffer.from(this.buf.bytes.subarray(0, this.buf.length));
    this.buf.clear();
    this.headScan = 0;
    this.socket = null;
    this.state = State.Dead;
    // From here the splice pipes this socket like any other: its reads feed its own Readable.
    if (this.readsIntoShared) this.tunnel = socket;
    const h = this.handler!;
    this.handler = null;
    this.upgrading = null;
    this.release(this, false);
    req.upgraded = { socket, head: rest };
    h.onHeaders(101, headers, noop);
    h.onComplete();
    if (req.upgraded !== null) {
      req.upgraded = null;
      socket.destroy();
    }
  }

  private readonly onPayload = (chunk: Buffer): void => {
    const h = this.handler;
    if (h === null) return;
    // A view of the shared read buffer must not outlive this read (see the file comment).
    if (chunk.buffer === UPSTREAM_READ_BUFFER.buffer) chunk = Buffer.from(chunk);
    if (!h.onData(chunk)) this.socket?.pause();
  };

  private readonly resume = (): void => {
    if (this.state === State.Body) this.socket?.resume();
  };

  private complete(): void {
    const h = this.handler!;
    this.handler = null;
    // Reusable only when the exchange ended cleanly on both sides with nothing extra buffered.
    const keep = this.keepAlive && !this.last && this.sent && this.buf.length === 0 && this.socket !== null && !this.socket.destroyed;
    this.state = keep ? State.Idle : State.Dead;
    this.buf.clear();
    this.headScan = 0;
    this.release(this, keep);
    h.onComplete();
  }

  private fail(error: Error): void {
    const h = this.handler;
    this.handler = null;
    const wasActive = this.state !== State.Idle && this.state !== State.Dead;
    this.destroy();
    if (h === null) return;
    if (wasActive || this.pending !== null) this.release(this, false);
    this.pending = null;
    h.onError(error);
  }

  /** Abort, handed to the exchange's handler (the connection itself: pipeline/types.ts). */
  abort(error: Error): void {
    if (this.handler === null) return;
    this.fail(error);
  }

  private readonly onSocketError = (error: Error): void => {
    if (this.handler !== null) this.fail(error);
  };

  private readonly onClose = (): void => {
    if (this.state === State.Body && this.decoder !== null && this.decoder.end() && this.handler !== null) {
      this.complete();
      return;
    }
    if (this.handler !== null) this.fail(new UpstreamResetError(this.label));
    else if (this.state === State.Idle) this.evict?.(this);
    this.state = State.Dead;
  };
}

const noop = (): void => {};

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
