/**
 * Tells HTTP/2 with prior knowledge from HTTP/1.1 on a fresh connection by its first bytes: an
 * HTTP/2 client starts with the preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, which no HTTP/1.1
 * request line can (PRI is not a method any HTTP/1.1 server accepts with that target). A TLS
 * connection that negotiated `h2` by ALPN is HTTP/2 without looking. The bytes read are put
 * back, so the chosen codec sees the connection from its first byte.
 * @see https://www.rfc-editor.org/rfc/rfc9113#section-3.3
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { H2_PREFACE } from './front';

export function detectHttp2(socket: Socket, timeoutMs: number, decide: (http2: boolean) => void): void {
  if ((socket as TLSSocket).alpnProtocol === 'h2') return decide(true);
  if ((socket as TLSSocket).alpnProtocol === 'http/1.1') return decide(false);
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const prefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    // Decide as soon as the bytes differ from the preface, or the whole preface is there.
    if (prefix && n < H2_PREFACE.length) return;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    socket.unshift(seen);
    decide(prefix);
  };
  const onClose = (): void => clearTimeout(timer);
  socket.on('data', onData);
  socket.once('close', onClose);
}
