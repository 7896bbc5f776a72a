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
import type { Http1Connection } from './connection';
import { reasonPhrase } from './reason';

const uncork = (c: Http1Connection): void => {
  if (!c.socket.destroyed) c.socket.uncork();
};
const flushHead = (w: Http1ResponseWriter): void => w.flushPendingHead();
/** A first body chunk up to this size is copied into the head's buffer (one write); larger ones are not copied. */
const COALESCE_MAX = 16_384;

let dateSecond = -1;
let dateValue = '';
/** IMF-fixdate (RFC 9110 §5.6.7), formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';

export class Http1ResponseWriter extends ResponseWriter {
  /** The status line has been written. */
  started = false;
  private chunked = false;
  private noBody = false;
  /** The response head, written with the first body chunk or at the end of the tick. */
  private pendingHead: string | null = null;

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

  protected get headersSent(): boolean {
    return this.started;
  }

  protected writeHead(status: number, headers: string[]): void {
    this.started = true;
    this.noBody = this.isHead || status === 204 || status === 304 || status < 200;
    let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    let hasLength = false;
    let hasDate = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name === 'content-length') {
        if (status === 204) continue;
        hasLength = true;
      } else if (name === 'date') hasDate = true;
      head += `${name}: ${headers[i + 1]!}\r\n`;
    }
    if (!this.noBody && !hasLength) {
      if (this.minor === 1) {
        this.chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      } else this.keepAlive = false;
    }
    if (!hasDate) head += `date: ${httpDate()}\r\n`;
    if (status === 101 && this.ex.upgraded !== null) {
      // The upstream switched protocols (server/http1/upgrade.ts): say so again on this hop.
      head += `connection: upgrade\r\nupgrade: ${this.ex.upgrade ?? 'websocket'}\r\n`;
    } else if (!this.keepAlive || this.ex.listener.draining) {
      this.keepAlive = false;
      head += 'connection: close\r\n';
    } else if (this.minor === 0) head += 'connection: keep-alive\r\n';
    // Held until the first body chunk of this tick (usually in the same packet as the head) so
    // that both leave in one buffer and one write; flushed alone at the end of the tick otherwise.
    this.pendingHead = head + CRLF;
    process.nextTick(flushHead, this);
  }

  /** Writes the held head, alone (no body came with it in this tick). */
  flushPendingHead(): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    if (!this.conn.socket.destroyed) this.conn.socket.write(head, 'latin1');
  }

  protected writeBody(chunk: Buffer): boolean {
    if (this.noBody || chunk.length === 0) return true;
    const socket = this.conn.socket;
    let ok: boolean;
    const head = this.pendingHead;
    if (head !== null && chunk.length <= COALESCE_MAX) {
      // Head, chunk framing and body in one Buffer: a single write, no writev of mixed chunks.
      this.pendingHead = null;
      const prefix = this.chunked ? head + chunk.length.toString(16) + CRLF : head;
      const out = Buffer.allocUnsafe(prefix.length + chunk.length + (this.chunked ? 2 : 0));
      out.write(prefix, 0, 'latin1');
      chunk.copy(out, prefix.length);
      if (this.chunked) out.write(CRLF, prefix.length + chunk.length, 'latin1');
      ok = socket.write(out);
    } else if (this.chunked || head !== null) {
      socket.cork();
      if (head !== null) this.flushPendingHead();
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
    if (this.pendingHead !== null) {
      // No body at all (or HEAD/204/304): the head, and the last chunk if chunked, in one write.
      const head = this.chunked ? this.pendingHead + LAST_CHUNK : this.pendingHead;
      this.pendingHead = null;
      if (!socket.destroyed) socket.write(head, 'latin1');
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
