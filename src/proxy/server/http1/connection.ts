/**
 * One downstream HTTP/1.1 connection on a raw socket (node:net today, node:tls the same way):
 * reads request heads with the strict parser (http1/request-head.ts), streams request bodies
 * with their framing tracked and backpressure to the socket, serves pipelined requests one at
 * a time in order, keeps the connection alive between requests, and refuses malformed input
 * with Envoy's status codes and `connection: close`.
 *
 * Timeouts: a head must arrive completely within `requestHeadersTimeoutMs` of its first byte
 * (an absolute timer, so a slowloris client trickling bytes cannot keep it open — 408); an
 * idle connection (no request in flight, no partial head) closes after `idleTimeoutMs`. The
 * idle connections of a listener wait in one deadline list per duration, in the order they
 * became idle (pipeline/deadline-list.ts): joining and leaving it is O(1) once per request,
 * where a socket timeout was re-inserted into Node's timer list on every read and write.
 */
import { connectionPrincipal } from '../../security/peer-authentication';
import type { DeadlineEntry, DeadlineList } from '../../pipeline/deadline-list';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { HttpConfig } from '../../config/schema';
import { DownstreamClosedError } from '../../errors';
import { Exchange, type UpgradedStream } from '../../exchange';
import { BodyDecoder } from '../../http1/body-decoder';
import { parseRequestHead, type ParsedRequest } from '../../http1/request-head';
import { ReadBuffer } from '../../http1/read-buffer';
import { findHeadEnd, HeadError } from '../../http1/syntax';
import type { ListenerRuntime, Runtime } from '../../runtime';
import { serveExchange, type ListenerHooks } from '../serve';
import { reasonPhrase } from './reason';
import { Http1ResponseWriter } from './response-writer';
import { spliceUpgraded } from './upgrade';

/** What a connection needs from its listener. */
export interface Http1Host extends ListenerRuntime {
  readonly hooks: ListenerHooks;
  runtime(): Runtime;
  clientError(): void;
  inflightStarted(): void;
  /** The list where connections idle for `ms` wait (one per duration, shared by the listener's connections). */
  idleDeadlines(ms: number): DeadlineList;
  connectionClosed(c: Http1Connection): void;
  /**
   * Where a CONNECT to `authority` goes (server/connect/tunnel.ts): a function that takes the
   * socket over once the proxy has answered 200, `null` when no destination serves that
   * authority (404, flag NR), undefined on listeners that do not tunnel (405).
   */
  tunnelFor?(authority: string): ((socket: Socket) => void) | null | undefined;
}

/** The request body as the pipeline reads it; reading resumes the socket (backpressure). */
class RequestBody extends Readable {
  constructor(private readonly socket: Socket) {
    super();
    // A body destroyed because the client left must not crash the process when no step reads
    // it yet; readers (async iteration, pipeline/body.ts) still see the error.
    this.on('error', noop);
  }
  override _read(): void {
    this.socket.resume();
  }
}

const noop = (): void => {};
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export class Http1Connection implements DeadlineEntry {
  private readonly buf = new ReadBuffer();
  /** Where the head scan resumes in `buf` (start of the last incomplete line). */
  private headScan = 0;
  /** The request being answered; pipelined requests wait in `buf` until it is done. */
  private writer: Http1ResponseWriter | null = null;
  private decoder: BodyDecoder | null = null;
  private body: RequestBody | null = null;
  private headTimer: NodeJS.Timeout | null = null;
  /** Where this connection waits while idle. */
  private readonly idleList: DeadlineList;
  // DeadlineEntry: the connection's own links in `idleList`.
  expiresAt = 0;
  prevDeadline: DeadlineEntry | null = null;
  nextDeadline: DeadlineEntry | null = null;
  inDeadlineList = false;
  private closed = false;
  /** The client half-closed: finish what was received, then close. */
  private ended = false;
  private readonly clientAddress: string;
  /** Verified mTLS identity of the connection ('' = plaintext), security/peer-authentication.ts. */
  private readonly principal: string;

  constructor(
    readonly socket: Socket,
    private readonly host: Http1Host,
    private readonly limits: HttpConfig,
  ) {
    this.clientAddress = socket.remoteAddress ?? '';
    this.principal = connectionPrincipal(socket);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    this.idleList = host.idleDeadlines(limits.idleTimeoutMs);
    this.idleList.add(this);
  }

  /** Idle for `idleTimeoutMs` (DeadlineEntry): closed, unless a request started meanwhile. */
  expire(): void {
    if (this.writer === null && this.headTimer === null && !this.closed) this.socket.destroy();
  }

  /** True when no request is in flight and no bytes wait: drain may close it right away. */
  get idle(): boolean {
    return this.writer === null && this.buf.length === 0;
  }

  close(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buf.append(chunk);
    this.process();
  };

  private process(): void {
    while (this.buf.length > 0 && !this.closed) {
      if (this.decoder !== null) {
        const end = this.decoder.push(this.buf.bytes, 0, this.buf.length, this.onPayload);
        if (end instanceof HeadError) return this.bodyFailed(end);
        this.buf.consume(end);
        if (!this.decoder.done) return;
        this.decoder = null;
        this.body?.push(null);
        this.body = null;
        continue;
      }
      // Pipelining: the next head is read only once the current response has ended.
      if (this.writer !== null) {
        if (this.buf.length > this.limits.maxRequestHeadersBytes) this.socket.pause();
        return;
      }
      if (!this.readHead()) return;
    }
  }

  /** Parses one request head from `buf`; false when more bytes are needed or the connection is done. */
  private readHead(): boolean {
    const bytes = this.buf.bytes;
    let start = 0;
    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
    while (start + 1 < bytes.length && bytes[start] === 13 && bytes[start + 1] === 10 && start < 8) start += 2;
    const end = findHeadEnd(bytes, Math.max(start, this.headScan), bytes.length);
    const max = this.limits.maxRequestHeadersBytes;
    if (end instanceof HeadError) return this.refuse(end);
    if (end < 0) {
      this.headScan = -end - 1;
      if (bytes.length - start > max) return this.refuse(new HeadError(431, 'request header too large'));
      if (this.headTimer === null) {
        // The absolute head timer (slowloris) takes over from the idle timer until the head is complete.
        this.idleList.remove(this);
        this.headTimer = setTimeout(this.onHeadTimeout, this.limits.requestHeadersTimeoutMs);
      }
      return false;
    }
    this.headScan = 0;
    if (end - start > max) return this.refuse(new HeadError(431, 'request header too large'));
    if (this.headTimer !== null) {
      clearTimeout(this.headTimer);
      this.headTimer = null;
    }
    const text = bytes.toString('latin1', start, end);
    this.buf.consume(end);
    const head = parseRequestHead(text, { maxFields: this.limits.maxRequestHeaders });
    if (head instanceof HeadError) return this.refuse(head);
    return this.start(head);
  }

  private start(head: ParsedRequest): boolean {
    if (head.method === 'CONNECT') return this.connect(head.target);
    const rt = this.host.runtime();
    let ex: Exchange;
    try {
      ex = new Exchange({ method: head.method, target: head.target, protocol: head.minor === 1 ? 'HTTP/1.1' : 'HTTP/1.0', rawHeaders: head.rawHeaders, lowerCaseNames: true, transferHeaders: true, clientAddress: this.clientAddress, principal: this.principal }, this.host, rt);
    } catch {
      return this.refuse(new HeadError(400, 'invalid absolute-form target'));
    }
    const keepAlive = head.minor === 1 ? !head.close : head.keepAlive && !head.close;
    const writer = new Http1ResponseWriter(ex, this, head.minor, keepAlive, head.method === 'HEAD');
    this.writer = writer;
    this.idleList.remove(this);
    if (head.chunked || head.contentLength > 0) {
      this.decoder = BodyDecoder.for(head);
      this.body = new RequestBody(this.socket);
      ex.setBody(this.body);
      if (head.expectContinue) this.socket.write(CONTINUE);
    }
    this.host.inflightStarted();
    serveExchange(ex, writer, this.host.hooks, rt);
    return true;
  }

  /**
   * HTTP CONNECT (RFC 9110 §9.3.6): the listener picks the tunnel's destination by the
   * request-target's authority; the proxy answers 200 and hands the socket over — with any
   * bytes the client sent after the head — and this connection lets go of it.
   */
  private connect(authority: string): boolean {
    const open = this.host.tunnelFor?.(authority.toLowerCase());
    if (open === undefined) return this.refuse(new HeadError(405, 'CONNECT is not supported'));
    if (open === null) return this.refuse(new HeadError(404, 'no route'), 'Not Found');
    const socket = this.socket;
    socket.pause();
    const rest = this.releaseSocket();
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (rest) socket.unshift(rest);
    open(socket);
    return false;
  }

  private readonly onPayload = (chunk: Buffer): void => {
    const body = this.body;
    // No reader any more (the response ended first): the rest of the body is discarded.
    if (body === null || body.destroyed) return;
    if (!body.push(chunk)) this.socket.pause();
  };

  /**
   * Called by the writer once it has written a `101 Switching Protocols` for a WebSocket
   * upgrade: the connection stops being HTTP and is spliced to the upstream's socket, with any
   * bytes the client already sent after its request head (server/http1/upgrade.ts).
   */
  switchProtocols(writer: Http1ResponseWriter, upstream: UpgradedStream): void {
    if (this.writer !== writer || this.closed) {
      upstream.socket.destroy();
      return;
    }
    this.writer = null;
    const early = this.releaseSocket();
    spliceUpgraded(this.socket, upstream.socket, early, upstream.head);
  }

  /**
   * The connection stops being HTTP (a CONNECT tunnel or a protocol upgrade) and lets go of its
   * socket: no more HTTP listeners or timers, and the bytes already read past the head, which
   * belong to the new protocol, are returned to the caller.
   */
  private releaseSocket(): Buffer | null {
    this.closed = true;
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    this.headTimer = null;
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('error', this.onSocketError);
    socket.off('close', this.onClose);
    socket.off('end', this.onEnd);
    this.idleList.remove(this);
    const rest = this.buf.length > 0 ? Buffer.from(this.buf.bytes.subarray(0, this.buf.length)) : null;
    this.buf.consume(this.buf.length);
    this.host.connectionClosed(this);
    return rest;
  }

  /** Called by the writer once its response is fully written. */
  responseEnded(writer: Http1ResponseWriter, keepAlive: boolean): void {
    if (this.writer !== writer) return;
    this.writer = null;
    if (!keepAlive || this.host.draining) {
      this.closed = true;
      this.socket.end();
      return;
    }
    if (this.body !== null) {
      // The request body was not read to its end: drop it and keep the framing.
      this.body.destroy();
      this.body = null;
    }
    this.socket.resume();
    // Pipelined requests already received start on the next turn, not inside this response's
    // call stack: a packet of a thousand direct-response requests must not nest a thousand deep.
    if (this.buf.length > 0) setImmediate(this.continueAfterResponse);
    else this.continueAfterResponse();
  }

  private readonly continueAfterResponse = (): void => {
    if (this.closed || this.writer !== null) return;
    if (this.buf.length > 0) this.process();
    if (this.ended && this.writer === null && !this.closed) return this.endAfterHalfClose();
    if (this.writer === null && this.headTimer === null && !this.closed) {
      // Idle from now (no request in flight, as Envoy's idle_timeout counts: the rest of a body
      // the response did not wait for does not keep it open): to the end of the list, with a
      // fresh deadline.
      this.idleList.remove(this);
      this.idleList.add(this);
    }
  };

  /** A request the codec cannot accept: answer with the status and close, as Envoy does. */
  private refuse(error: HeadError, reason = reasonPhrase(error.status)): false {
    this.host.clientError();
    this.closed = true;
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    const body = `${reason}\n`;
    this.socket.end(`HTTP/1.1 ${error.status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    this.socket.pause();
    return false;
  }

  /** A framing error inside a request body: the upstream gets an aborted body, the client 400 or a reset. */
  private bodyFailed(error: HeadError): void {
    this.host.clientError();
    this.closed = true;
    this.body?.destroy(new DownstreamClosedError());
    this.body = null;
    if (this.writer !== null && !this.writer.started) {
      const reason = reasonPhrase(error.status);
      this.socket.end(`HTTP/1.1 ${error.status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${reason.length + 1}\r\nconnection: close\r\n\r\n${reason}\n`);
    } else this.socket.destroy();
  }

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.decoder !== null) {
      // The body was cut short: the upstream sees an aborted body, the client nothing more.
      return this.bodyFailed(new HeadError(400, 'request body incomplete'));
    }
    if (this.writer === null && !this.closed) this.endAfterHalfClose();
  };

  /** After a half-close, anything left in the buffer is an incomplete head: nothing to answer. */
  private endAfterHalfClose(): void {
    this.closed = true;
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    this.headTimer = null;
    this.socket.end();
  }

  private readonly onHeadTimeout = (): void => {
    this.headTimer = null;
    if (this.closed || this.writer !== null) return;
    this.refuse(new HeadError(408, 'request header timeout'));
  };

  private readonly onSocketError = (): void => {
    // 'close' follows; ECONNRESET and friends need no more than that.
  };

  private readonly onClose = (): void => {
    this.closed = true;
    this.idleList.remove(this);
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    this.headTimer = null;
    this.body?.destroy(new DownstreamClosedError());
    this.body = null;
    const w = this.writer;
    this.writer = null;
    if (w !== null) w.downstreamClosed(new DownstreamClosedError());
    this.host.connectionClosed(this);
  };
}
