/**
 * One upstream host of a service: its keep-alive connection pool, the count of requests in
 * flight (least-request LB), and its passive-health (outlier) state. Endpoint objects survive
 * config reloads when the host and pool options are unchanged, so connections stay warm and an
 * ejected host stays ejected across a reload.
 */
import { Pool } from './undici-pool';
import type { ConnectionPoolConfig } from '../config/schema';

export interface EndpointLabels {
  /** The rendered Prometheus label text for a request served by this endpoint's subset. */
  readonly metricKey: string;
  readonly subset: string;
}

export class Endpoint {
  readonly origin: string;
  readonly hostLabel: string;
  readonly pool: Pool;
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
  ) {
    this.weight = weight;
    const host = address.includes(':') ? `[${address}]` : address;
    this.origin = `http://${host}:${port}`;
    this.hostLabel = `${host}:${port}`;
    this.pool = new Pool(this.origin, {
      // HTTP/1.1 without pipelining: one request per connection at a time, like Envoy's h1 pool.
      pipelining: 1,
      connections: pool.maxConnections ?? null,
      keepAliveTimeout: pool.idleTimeoutMs,
      keepAliveMaxTimeout: Math.max(pool.idleTimeoutMs, 1000),
      connectTimeout: pool.connectTimeoutMs,
      ...(pool.maxRequestsPerConnection ? { maxRequestsPerClient: pool.maxRequestsPerConnection } : {}),
    });
  }

  /** Key under which an endpoint can be reused by the next config. */
  static key(service: string, address: string, port: number, pool: ConnectionPoolConfig): string {
    return `${service}|${address}|${port}|${pool.maxConnections ?? ''}|${pool.idleTimeoutMs}|${pool.connectTimeoutMs}|${pool.maxRequestsPerConnection ?? ''}`;
  }
}
