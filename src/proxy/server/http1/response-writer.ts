/**
 * The HTTP/1.1 response writer on the proxy's own connection (connection.ts). Framing of the
 * response it writes (RFC 9112 §6):
 * - HEAD, 1xx, 204, 304: no body; 204 carries no Content-Length/Transfer-Encoding;
 * - Content-Length given (upstream or local reply): the body bytes as they come;
 * - otherwise chunked to an HTTP/1.1 client, or close-delimited to an HTTP/1.0 one.
 * It adds `date` when absent (as Node and Envoy do), `connection: close` when the connection
 * ends after this response (client asked, HTTP/1.0 without keep-alive, or drain), and corks
 * the socket for the tick so that head, a small body and the end leave in one writev.
 */
import { ResponseWriter } from '../response-writer';
import type { Exchange } from '../../exchange';
import type { Http1Connection } from './connection';
import { reasonPhrase } from './reason';

const uncork = (c: Http1Connection): void => {
  if (!c.socket.destroyed) c.socket.uncork();
};

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
    if (!this.keepAlive || this.ex.listener.draining) {
      this.keepAlive = false;
      head += 'connection: close\r\n';
    } else if (this.minor === 0) head += 'connection: keep-alive\r\n';
    const socket = this.conn.socket;
    socket.cork();
    socket.write(head + CRLF, 'latin1');
    process.nextTick(uncork, this.conn);
  }

  protected writeBody(chunk: Buffer): boolean {
    if (this.noBody || chunk.length === 0) return true;
    const socket = this.conn.socket;
    let ok: boolean;
    if (this.chunked) {
      socket.cork();
      socket.write(chunk.length.toString(16) + CRLF, 'latin1');
      socket.write(chunk);
      ok = socket.write(CRLF, 'latin1');
      process.nextTick(uncork, this.conn);
    } else ok = socket.write(chunk);
    if (!ok) socket.once('drain', () => this.resume());
    return ok;
  }

  protected endBody(last?: Buffer): void {
    if (last && last.length > 0) this.writeBody(last);
    if (this.chunked && !this.conn.socket.destroyed) this.conn.socket.write(LAST_CHUNK, 'latin1');
    this.conn.responseEnded(this, this.keepAlive);
  }

  protected reset(): void {
    this.conn.socket.destroy();
  }
}
