/**
 * Tracks the framing of a message body as its bytes arrive, and hands on the payload:
 * Content-Length (count down), chunked (RFC 9112 §7.1: chunk-size in hex, chunk extensions
 * parsed and ignored as the RFC requires of unknown extensions, trailer fields validated and
 * dropped, as Envoy does by default), or until the connection closes (responses only).
 * Strict like llhttp: bare LF, a non-hex size, a missing CRLF after chunk data, or a size line
 * or trailer section over its limit is an error. The payload is handed on as subarrays of the
 * read buffer (no copy).
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-7.1
 */
import { HeadError, isToken, parseFields, type Framing } from './syntax';

const enum State {
  Size,
  Data,
  DataEnd,
  Trailers,
  Done,
}

/** Chunk-size line (size and extensions) limit; llhttp has none, Envoy's codec caps similar lines. */
const MAX_SIZE_LINE = 4096;
const MAX_TRAILERS = 16384;

export type Payload = (chunk: Buffer) => void;

export class BodyDecoder {
  /** Bytes still to come in this chunk or this Content-Length body; -1 until the end of the connection. */
  private remaining: number;
  private state: State;
  private line = '';
  private trailers = '';
  /** Payload bytes seen. */
  received = 0;

  constructor(
    private kind: 'length' | 'chunked' | 'close',
    contentLength = 0,
  ) {
    this.remaining = kind === 'length' ? contentLength : kind === 'close' ? -1 : 0;
    this.state = kind === 'chunked' ? State.Size : kind === 'length' && contentLength === 0 ? State.Done : State.Data;
  }

  /** The same decoder, started afresh for the next message (a keep-alive connection reuses one instead of allocating one per message). */
  reset(kind: 'length' | 'chunked' | 'close', contentLength = 0): this {
    this.kind = kind;
    this.remaining = kind === 'length' ? contentLength : kind === 'close' ? -1 : 0;
    this.state = kind === 'chunked' ? State.Size : kind === 'length' && contentLength === 0 ? State.Done : State.Data;
    this.line = '';
    this.trailers = '';
    this.received = 0;
    return this;
  }

  static for(f: Framing): BodyDecoder {
    if (f.chunked) return new BodyDecoder('chunked');
    return new BodyDecoder('length', f.contentLength > 0 ? f.contentLength : 0);
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Consumes bytes of `buf[from, to)`; returns the index after the last byte that belongs to
   * this body (the rest is the next message), or a HeadError for a framing error.
   */
  push(buf: Buffer, from: number, to: number, onPayload: Payload): number | HeadError {
    let i = from;
    while (i < to && this.state !== State.Done) {
      switch (this.state) {
        case State.Data: {
          const n = this.remaining === -1 ? to - i : Math.min(this.remaining, to - i);
          if (n > 0) {
            this.received += n;
            onPayload(buf.subarray(i, i + n));
            i += n;
          }
          if (this.remaining !== -1) {
            this.remaining -= n;
            if (this.remaining === 0) this.state = this.kind === 'chunked' ? State.DataEnd : State.Done;
          }
          break;
        }
        case State.Size:
        case State.DataEnd:
        case State.Trailers: {
          const lf = buf.indexOf(10, i);
          const end = lf === -1 || lf >= to ? to : lf + 1;
          this.line += buf.toString('latin1', i, end);
          i = end;
          if (end !== lf + 1) {
            if (this.line.length > (this.state === State.Trailers ? MAX_TRAILERS : MAX_SIZE_LINE)) return new HeadError(400, 'chunk line too long');
            break;
          }
          const error = this.onLine();
          if (error) return error;
          break;
        }
      }
    }
    return i;
  }

  /** Ends a close-delimited body (the connection closed). */
  end(): boolean {
    if (this.kind !== 'close') return this.state === State.Done;
    this.state = State.Done;
    return true;
  }

  private onLine(): HeadError | null {
    const line = this.line;
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== 13) return new HeadError(400, 'bare LF in chunked body');
    if (line.indexOf('\r') !== line.length - 2) return new HeadError(400, 'bare CR in chunked body');
    if (this.state === State.DataEnd) {
      if (line.length !== 2) return new HeadError(400, 'chunk data longer than its size');
      this.line = '';
      this.state = State.Size;
      return null;
    }
    if (this.state === State.Trailers) {
      this.line = '';
      if (line.length !== 2) {
        // Keep collecting trailer lines until the blank one; they count against one limit.
        this.trailers += line;
        return this.trailers.length > MAX_TRAILERS ? new HeadError(400, 'trailer section too large') : null;
      }
      this.state = State.Done;
      return this.trailers === '' ? null : checkTrailers(this.trailers + '\r\n');
    }
    return this.onSizeLine(line);
  }

  private onSizeLine(line: string): HeadError | null {
    let k = 0;
    let size = 0;
    const stop = line.length - 2;
    for (; k < stop; k++) {
      const c = line.charCodeAt(k);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d === -1) break;
      if (k >= 13) return new HeadError(400, 'chunk size too large');
      size = size * 16 + d;
    }
    if (k === 0) return new HeadError(400, 'invalid chunk size');
    const extError = checkExtensions(line, k, stop);
    if (extError) return extError;
    this.line = '';
    if (size === 0) {
      this.state = State.Trailers;
      return null;
    }
    this.remaining = size;
    this.state = State.Data;
    return null;
  }
}

/** Trailer fields follow the header field rules; they are dropped after validation. */
function checkTrailers(text: string): HeadError | null {
  const f: Framing = { contentLength: -1, chunked: false, close: false, keepAlive: false };
  return parseFields(text, 0, [], 1000, f);
}

/** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string. */
function checkExtensions(line: string, from: number, to: number): HeadError | null {
  let i = from;
  const ws = (): void => {
    while (i < to && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  };
  while (true) {
    ws();
    if (i >= to) return null;
    if (line.charCodeAt(i) !== 59 /* ; */) return new HeadError(400, 'invalid chunk extension');
    i++;
    ws();
    let s = i;
    while (i < to && isToken(line, i, i + 1)) i++;
    if (i === s) return new HeadError(400, 'invalid chunk extension');
    ws();
    if (i < to && line.charCodeAt(i) === 61 /* = */) {
      i++;
      ws();
      if (line.charCodeAt(i) === 34 /* " */) {
        i++;
        while (i < to && line.charCodeAt(i) !== 34) i += line.charCodeAt(i) === 92 ? 2 : 1;
        if (i >= to) return new HeadError(400, 'unterminated quoted chunk extension');
        i++;
      } else {
        s = i;
        while (i < to && isToken(line, i, i + 1)) i++;
        if (i === s) return new HeadError(400, 'invalid chunk extension value');
      }
    }
  }
}
