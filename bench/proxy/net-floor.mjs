// The platform floor of a Node.js HTTP/1.1 proxy on raw sockets: what the node:net
// prototype did and nothing more — find the end of each request head, forward the head's bytes
// unchanged to an idle keep-alive upstream connection (LIFO pool), and relay the response back,
// framed by its Content-Length. No routing, no header edits, no policies, no telemetry, no
// request bodies (GET only), no chunked framing: one read and one write per hop, as nginx does.
// `weft ÷ net-floor` is then what Weft's codec and features cost above Node's per-I/O overhead,
// measured in the same round:  node bench/proxy/net-floor.mjs <port> <upstream-port>
import { connect, createServer } from 'node:net';

const [port, upstreamPort] = [Number(process.argv[2]), Number(process.argv[3])];
const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const idle = [];

class Upstream {
  constructor() {
    this.client = null;
    this.remaining = -1;
    this.socket = connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', () => {});
    this.socket.on('close', () => this.client?.destroy());
  }
  send(client, head) {
    this.client = client;
    this.remaining = -1;
    this.socket.write(head);
  }
  onData(chunk) {
    const client = this.client;
    if (client === null) return this.socket.destroy();
    if (this.remaining < 0) {
      const end = chunk.indexOf(HEAD_END);
      const length = end < 0 ? null : CONTENT_LENGTH.exec(chunk.toString('latin1', 0, end + 2));
      if (length === null) return this.socket.destroy(); // split heads and unframed bodies: out of scope
      this.remaining = end + 4 + Number(length[1]);
    }
    this.remaining -= chunk.length;
    client.write(chunk);
    if (this.remaining <= 0) {
      this.client = null;
      idle.push(this);
      client.emit('responded');
    }
  }
}

createServer({ noDelay: true }, (client) => {
  let buf = null;
  let waiting = false;
  const next = () => {
    if (buf === null || waiting) return;
    const end = buf.indexOf(HEAD_END);
    if (end < 0) return;
    const head = end + 4 === buf.length ? buf : buf.subarray(0, end + 4);
    buf = end + 4 === buf.length ? null : buf.subarray(end + 4);
    waiting = true;
    (idle.pop() ?? new Upstream()).send(client, head);
  };
  client.on('data', (chunk) => {
    buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
    next();
  });
  client.on('responded', () => {
    waiting = false;
    next();
  });
  client.on('error', () => {});
}).listen(port, '127.0.0.1');
