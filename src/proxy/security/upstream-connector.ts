/**
 * The connector the upstream pool uses toward a service with `tls.mode: ISTIO_MUTUAL`: a TLS
 * connection that presents this workload's current certificate (so a rotation applies to the
 * next connection without touching open ones) and accepts the server only if it proves one of
 * the declared SPIFFE ids (secure naming). Shaped as undici's `connect` function.
 */
import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { tlsModule } from '../builtins-on-demand';
import type { CertificateMaterial } from './certificate-files';
import { mtlsClientOptions } from './client-tls';
import { parseSpiffeId, type SpiffeId } from './spiffe';

export interface ConnectOptions {
  hostname: string;
  port: string | number;
  servername?: string | null;
}
export type Connector = (options: ConnectOptions, callback: (error: Error | null, socket: Socket | null) => void) => void;

/** The TLS handshake with the upstream failed (bad chain, expired, wrong SPIFFE id): Envoy's UF. */
export class UpstreamTlsError extends Error {
  readonly code = 'WEFT_PROXY_UPSTREAM_TLS';
  override readonly name = 'UpstreamTlsError';
}

export class ConnectTimeoutError extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
  override readonly name = 'ConnectTimeoutError';
}

/** The TLS options of one mTLS connection (the current certificate; secure naming), e.g. for an HTTP/2 session. */
export function mtlsConnectionOptions(material: CertificateMaterial, subjectAltNames: readonly string[]): ConnectionOptions {
  return mtlsClientOptions(material, subjectAltNames.map(parseSpiffeId).filter((x): x is SpiffeId => x !== null));
}

export function mtlsConnector(material: () => CertificateMaterial, subjectAltNames: readonly string[], connectTimeoutMs: number): Connector {
  const expected = subjectAltNames.map(parseSpiffeId).filter((x): x is SpiffeId => x !== null);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const socket = tlsModule().connect({
      host,
      port: Number(options.port),
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...mtlsClientOptions(material(), expected),
    });
    let done = false;
    const finish = (error: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        socket.destroy();
        callback(error, null);
      } else callback(null, socket as unknown as Socket);
    };
    const timer = setTimeout(() => finish(new ConnectTimeoutError(`connect timeout after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    timer.unref();
    socket.setNoDelay(true);
    socket.once('secureConnect', () => finish(null));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      // Before the handshake completed, every failure is a connection failure (refused or TLS).
      finish(e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' ? e : new UpstreamTlsError(`TLS error: ${e.message}`, { cause: e }));
    });
  };
}
