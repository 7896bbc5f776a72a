/**
 * Endpoints shared between successive configs. A reload builds its runtime from the registry:
 * unchanged hosts keep their pools and outlier state; hosts no longer used are closed
 * gracefully (undici's Pool.close waits for requests in flight), so a reload never drops one.
 */
import type { ConnectionPoolConfig } from '../config/schema';
import { Endpoint } from './endpoint';
import type { UpstreamTlsConfig } from '../config/security-schema';
import { ConfigInvalidError } from '../errors';
import type { CertificateMaterial } from '../security/certificate-files';
import { mtlsConnectionOptions, mtlsConnector } from '../security/upstream-connector';

export class EndpointRegistry {
  private current = new Map<string, Endpoint>();
  private next: Map<string, Endpoint> | null = null;

  /** Starts collecting the endpoints of a new config. */
  begin(): void {
    this.next = new Map();
  }

  /** The workload certificate for upstream mTLS (set by the proxy when security.mtls is configured). */
  identity: (() => CertificateMaterial) | null = null;

  get(service: string, address: string, port: number, weight: number, pool: ConnectionPoolConfig, tls?: UpstreamTlsConfig, protocol: 'http1.1' | 'http2' = 'http1.1'): Endpoint {
    const key = Endpoint.key(service, address, port, pool, (tls ? tls.subjectAltNames.join(',') : '') + (protocol === 'http2' ? '|h2' : ''));
    const next = this.next;
    if (!next) throw new Error('EndpointRegistry.get outside begin/commit');
    let ep = next.get(key) ?? this.current.get(key);
    if (!ep) {
      if (tls && !this.identity) throw new ConfigInvalidError('<config>', [{ path: '$.security.mtls', message: `service "${service}" uses mTLS but this proxy has no workload certificate` }]);
      const identity = this.identity;
      ep = new Endpoint(
        address,
        port,
        weight,
        pool,
        tls ? mtlsConnector(identity!, tls.subjectAltNames, pool.connectTimeoutMs) : undefined,
        protocol === 'http2' ? { tls: tls ? () => mtlsConnectionOptions(identity!(), tls.subjectAltNames) : undefined } : undefined,
      );
    }
    ep.weight = weight;
    next.set(key, ep);
    return ep;
  }

  /** Switches to the new set and closes endpoints the new config no longer uses (gracefully). */
  commit(): Promise<void> {
    const next = this.next;
    if (!next) throw new Error('EndpointRegistry.commit without begin');
    const stale = [...this.current].filter(([k]) => !next.has(k)).map(([, e]) => e);
    this.current = next;
    this.next = null;
    for (const e of stale) e.h2?.close();
    return Promise.all(stale.map((e) => e.pool.close().catch(() => undefined))).then(() => undefined);
  }

  /** Abandons a build (the new config was rejected). */
  abort(): void {
    const next = this.next;
    this.next = null;
    if (!next) return;
    for (const [k, e] of next)
      if (!this.current.has(k)) {
        e.h2?.destroy();
        void e.pool.destroy().catch(() => undefined);
      }
  }

  async close(force = false): Promise<void> {
    const all = [...this.current.values()];
    this.current = new Map();
    for (const e of all) force ? e.h2?.destroy() : e.h2?.close();
    await Promise.all(all.map((e) => (force ? e.pool.destroy() : e.pool.close()).catch(() => undefined)));
  }
}
