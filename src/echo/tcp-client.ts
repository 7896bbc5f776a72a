/**
 * A raw TCP probe: one connection to a caller's outbound TCP listener (the local bind port its
 * application connects to for a TCP service), read the identity line the echo's TCP mode writes
 * first (./tcp.ts), send a line and expect it back — the bytes pass both ways — then close.
 * The verifier's TCP probes (src/verify/drive/tcp-probe.ts) and the echo's TCP forward endpoint
 * (./forward-tcp.ts) both connect this way. Bounded: every probe gives up after PROBE_TIMEOUT_MS.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface TcpObservation {
  requestId: string;
  /** Who answered, from the echo's first line. */
  identity?: { service: string; version: string; instance: string; tag?: string };
  /** The line sent came back. */
  echoed: boolean;
  /** No identity line: the error code, or CLOSED / TIMEOUT. */
  error?: string;
  durationMs: number;
}

const PROBE_TIMEOUT_MS = 10_000;

export interface TcpProbeOptions {
  /** @default 127.0.0.1 */
  host?: string;
  /** mTLS straight at an inbound TCP listener (a workload certificate): the identity line and the echoed bytes travel inside the TLS session. */
  tls?: tls.ConnectionOptions;
  /**
   * Send a line before the echo speaks: a plaintext client straight at an inbound listener
   * whose PERMISSIVE mode waits for the first byte to tell TLS from plaintext (as a postgres
   * client speaks first), and under STRICT a TLS server reads it as a bad record header (5 bytes
   * or more) and closes at once. The echo sends it back after its identity line.
   */
  speakFirst?: boolean;
}

export function tcpProbe(port: number, requestId: string, options: TcpProbeOptions = {}): Promise<TcpObservation> {
  const start = performance.now();
  return new Promise((resolve) => {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls ? tls.connect({ ...options.tls, port, host }) : net.connect(port, host);
    if (options.speakFirst) socket.write('weft-plaintext-probe\n');
    let buffer = '';
    let identity: TcpObservation['identity'];
    let done = false;
    const finish = (o: Omit<TcpObservation, 'requestId' | 'durationMs'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ requestId, ...o, durationMs: performance.now() - start });
    };
    const timer = setTimeout(() => finish({ identity, echoed: false, error: 'TIMEOUT' }), PROBE_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (!identity) {
        const nl = buffer.indexOf('\n');
        if (nl < 0) return;
        try {
          identity = JSON.parse(buffer.slice(0, nl)) as TcpObservation['identity'];
        } catch {
          return finish({ echoed: false, error: 'NOT_AN_ECHO' });
        }
        buffer = buffer.slice(nl + 1);
        socket.write(`${requestId}\n`);
      }
      if (buffer.includes(`${requestId}\n`)) finish({ identity, echoed: true });
    });
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ identity, echoed: false, error: e.code ?? 'ERROR' }));
    socket.on('close', () => finish({ identity, echoed: false, error: 'CLOSED' }));
  });
}

/** A connection kept open once the echo named itself (connection limits), or why it never did. */
export interface HeldConnection {
  identity?: TcpObservation['identity'];
  /** No identity line: the error code, or CLOSED / TIMEOUT. */
  error?: string;
  close(): void;
}

export function holdConnection(port: number): Promise<HeldConnection> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = '';
    let settled = false;
    const close = (): void => void socket.destroy();
    const settle = (held: Omit<HeldConnection, 'close'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!held.identity) socket.destroy();
      resolve({ ...held, close });
    };
    const timer = setTimeout(() => settle({ error: 'TIMEOUT' }), PROBE_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      try {
        settle({ identity: JSON.parse(buffer.slice(0, nl)) as TcpObservation['identity'] });
      } catch {
        settle({ error: 'NOT_AN_ECHO' });
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => settle({ error: e.code ?? 'ERROR' }));
    socket.on('close', () => settle({ error: 'CLOSED' }));
  });
}
