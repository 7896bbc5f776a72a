/**
 * The HTTP/1.1 response writer on the proxy's own connection (connection.ts). Framing of the
 * response it writes (RFC 9112 §6):
 * - HEAD, 1xx, 204, 304: no body; 204 carries no Content-Length/Transfer-Encoding;
 * - Content-Length given (upstream or local reply): the body bytes as they come;
 * - otherwise chunked to an HTTP/1.1 client, or close-delimited to an HTTP/1.0 one.
 * It adds `date` when absent (as Node and Envoy do), `connection: close` when the connection
 * ends after this response (client asked, HTTP/1.0 without keep-alive, or drain), and joins the
 * head and the first body chunk of the same tick in one buffer, so that a small response leaves
 * in one write (one syscall, no writev of mixed string and buffer chunks).
 */
import { ResponseWriter } from '../response-writer';
import type { Exchange } from '../../exchange';
import { fieldsLength, putFields, putLatin1 } from '../../http1/head-encoder';
import type { Http1Connection } from './connection';
import { reasonPhrase } from './reason';
import { imfFixdate } from '../../utc-time';

const uncork = (c: Http1Connection): void => {
  if (!c.socket.destroyed) c.socket.uncork();
};
const flushHead = (w: Http1ResponseWriter): void => w.flushPendingHead();
/** A first body chunk up to this size is copied into the head's buffer (one write); larger ones are not copied. */
const COALESCE_MAX = 16_384;

let dateSecond = -1;
let dateField = '';
/** The `date` field with an IMF-fixdate (RFC 9110 §5.6.7), formatted once per second (../../utc-time.ts: not through ICU). */
function dateLine(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateField = `date: ${imfFixdate(now)}\r\n`;
  }
  return dateField;
}

/** Status lines by status, built once each. */
const STATUS_LINES = new Map<number, string>();
function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    if (STATUS_LINES.size < 1000) STATUS_LINES.set(status, line);
  }
  return line;
}

const CRLF = '\r\n';
const NO_FIELDS: readonly string[] = [];
const LAST_CHUNK = '0\r\n\r\n';

export class Http1ResponseWriter extends ResponseWriter {
  private chunked = false;
  private noBody = false;
  /**
   * The response head, written with the first body chunk or at the end of the tick: kept as
   * its parts and encoded once into the Buffer that leaves (http1/head-encoder.ts).
   */
  private pendingHead = false;
  private headStatusLine = '';
  private headFields: readonly string[] = NO_FIELDS;
  /** Fields the codec adds after the response's own (framing, date, connection). */
  private headTail = '';
  /** Where the head ends in the Buffer `encodeHead` returned. */
  private headEnd = 0;

  constructor(
    ex: Exchange,
    private readonly conn: Http1Connection,
    private readonly minor: 0 | 1,
    private keepAlive: boolean,
    private readonly isHead: boolean,
  ) {
    super(ex);
  }

  protected get closed(): boolean {
    return this.conn.socket.destroyed;
  }

  protected writeHead(status: number, headers: string[]): void {
    this.noBody = this.isHead || status === 204 || status === 304 || status < 200;
    // RFC 9110 §8.6: no Content-Length in a 204.
    const fields = status === 204 ? headers.filter((_, j) => headers[j - (j % 2)] !== 'content-length') : headers;
    let hasLength = false;
    let hasDate = false;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!;
      if (name === 'content-length') hasLength = true;
      else if (name === 'date') hasDate = true;
    }
    let tail = '';
    if (!this.noBody && !hasLength) {
      if (this.minor === 1) {
        this.chunked = true;
        tail = 'transfer-encoding: chunked\r\n';
      } else this.keepAlive = false;
    }
    if (!hasDate) tail += dateLine();
    if (status === 101 && this.ex.upgraded !== null) {
      // The upstream switched protocols (server/http1/upgrade.ts): say so again on this hop.
      tail += `connection: upgrade\r\nupgrade: ${this.ex.upgrade ?? 'websocket'}\r\n`;
    } else if (!this.keepAlive || this.ex.listener.draining) {
      this.keepAlive = false;
      tail += 'connection: close\r\n';
    } else if (this.minor === 0) tail += 'connection: keep-alive\r\n';
    // Held until the first body chunk of this tick (usually in the same packet as the head) so
    // that both leave in one buffer and one write; flushed alone at the end of the tick otherwise.
    // The field list is kept, not copied: every producer (upstream codec, local replies) builds
    // a list per response, and no step touches it after handing it down.
    this.pendingHead = true;
    this.headStatusLine = statusLine(status);
    this.headFields = fields;
    this.headTail = tail;
    process.nextTick(flushHead, this);
  }

  /** The held head encoded into a new Buffer with `room` bytes to spare after it; sets `headEnd`, where the head ends. */
  private encodeHead(room: number): Buffer {
    this.pendingHead = false;
    const line = this.headStatusLine;
    const fields = this.headFields;
    const tail = this.headTail;
    this.headFields = NO_FIELDS;
    const out = Buffer.allocUnsafe(line.length + fieldsLength(fields) + tail.length + 2 + room);
    let at = putLatin1(out, 0, line);
    at = putFields(out, at, fields);
    at = putLatin1(out, at, tail);
    out[at++] = 13;
    out[at++] = 10;
    this.headEnd = at;
    return out;
  }

  /** Writes the held head, alone (no body came with it in this tick). */
  flushPendingHead(): void {
    if (!this.pendingHead) return;
    const head = this.encodeHead(0);
    if (!this.conn.socket.destroyed) this.conn.socket.write(head);
  }

  protected writeBody(chunk: Buffer): boolean {
    if (this.noBody || chunk.length === 0) return true;
    const socket = this.conn.socket;
    let ok: boolean;
    const pending = this.pendingHead;
    if (pending && chunk.length <= COALESCE_MAX) {
      // Head, chunk framing and body in one Buffer: a single write, no writev of mixed chunks.
      const size = this.chunked ? chunk.length.toString(16) + CRLF : '';
      const out = this.encodeHead(size.length + chunk.length + (this.chunked ? 2 : 0));
      let at = putLatin1(out, this.headEnd, size);
      at += chunk.copy(out, at);
      if (this.chunked) {
        out[at++] = 13;
        out[at++] = 10;
      }
      ok = socket.write(out);
    } else if (this.chunked || pending) {
      socket.cork();
      if (pending) this.flushPendingHead();
      if (this.chunked) {
        socket.write(chunk.length.toString(16) + CRLF, 'latin1');
        socket.write(chunk);
        ok = socket.write(CRLF, 'latin1');
      } else ok = socket.write(chunk);
      process.nextTick(uncork, this.conn);
    } else ok = socket.write(chunk);
    if (!ok) socket.once('drain', () => this.resume());
    return ok;
  }

  protected endBody(last?: Buffer): void {
    if (last && last.length > 0) this.writeBody(last);
    const socket = this.conn.socket;
    if (this.pendingHead) {
      // No body at all (or HEAD/204/304): the head, and the last chunk if chunked, in one write.
      const out = this.encodeHead(this.chunked ? LAST_CHUNK.length : 0);
      if (this.chunked) putLatin1(out, this.headEnd, LAST_CHUNK);
      if (!socket.destroyed) socket.write(out);
    } else if (this.chunked && !socket.destroyed) socket.write(LAST_CHUNK, 'latin1');
    const upgraded = this.ex.status === 101 ? this.ex.upgraded : null;
    if (upgraded !== null) {
      this.ex.upgraded = null;
      this.conn.switchProtocols(this, upgraded);
      return;
    }
    this.conn.responseEnded(this, this.keepAlive);
  }

  protected reset(): void {
    this.conn.socket.destroy();
  }
}
