/**
 * One upstream host of a service: its keep-alive HTTP/1.1 connection pool (http1-pool.ts), the count of requests in
 * flight (least-request LB), and its passive-health (outlier) state. Endpoint objects survive
 * config reloads when the host and pool options are unchanged, so connections stay warm and an
 * ejected host stays ejected across a reload.
 */
import { Http1Pool } from './http1-pool';
import type { ConnectionPoolConfig } from '../config/schema';
import type { Connector } from '../security/upstream-connector';
import type { ConnectionOptions } from 'node:tls';
import { H2Session } from './h2-session';

export interface EndpointLabels {
  /** The rendered Prometheus label text for a request served by this endpoint's subset. */
  readonly metricKey: string;
  readonly subset: string;
}

export class Endpoint {
  readonly origin: string;
  readonly hostLabel: string;
  readonly pool: Http1Pool;
  /** Set for endpoints that speak HTTP/2 (pipeline/h2-upstream.ts); the HTTP/1.1 pool then stays unused. */
  readonly h2: H2Session | null;
  /** Requests in flight right now (least-request LB reads it). */
  active = 0;
  // Outlier detection state (see outlier-detector.ts).
  consecutive5xx = 0;
  consecutiveGateway = 0;
  ejected = false;
  ejectedUntil = 0;
  /** Envoy's num_ejections: the ejection-time multiplier. */
  ejections = 0;
  /** Set by each runtime that uses this endpoint (its subset labels). */
  labels: EndpointLabels | null = null;
  weight: number;

  constructor(
    readonly address: string,
    readonly port: number,
    weight: number,
    pool: ConnectionPoolConfig,
    /** A custom connector (upstream mTLS, security/upstream-connector.ts); absent = plain TCP. */
    connect?: Connector,
    /** HTTP/2 endpoint: its session, with TLS options when mTLS is on (h2 by ALPN). */
    http2?: { tls?: () => ConnectionOptions },
  ) {
    this.weight = weight;
    const host = address.includes(':') ? `[${address}]` : address;
    this.origin = `http://${host}:${port}`;
    this.hostLabel = `${host}:${port}`;
    this.pool = new Http1Pool(address, port, this.hostLabel, pool, connect);
    this.h2 = http2 ? new H2Session(address, port, http2.tls) : null;
  }

  /** Key under which an endpoint can be reused by the next config. */
  static key(service: string, address: string, port: number, pool: ConnectionPoolConfig, tlsKey = ''): string {
    return `${service}|${address}|${port}|${pool.maxConnections ?? ''}|${pool.idleTimeoutMs}|${pool.connectTimeoutMs}|${pool.maxRequestsPerConnection ?? ''}|${tlsKey}`;
  }
}
