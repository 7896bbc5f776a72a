/**
 * Endpoints shared between successive configs. A reload builds its runtime from the registry:
 * unchanged hosts keep their pools and outlier state; hosts no longer used are closed
 * gracefully (undici's Pool.close waits for requests in flight), so a reload never drops one.
 */
import type { ConnectionPoolConfig } from '../config/schema';
import { Endpoint } from './endpoint';

export class EndpointRegistry {
  private current = new Map<string, Endpoint>();
  private next: Map<string, Endpoint> | null = null;

  /** Starts collecting the endpoints of a new config. */
  begin(): void {
    this.next = new Map();
  }

  get(service: string, address: string, port: number, weight: number, pool: ConnectionPoolConfig): Endpoint {
    const key = Endpoint.key(service, address, port, pool);
    const next = this.next;
    if (!next) throw new Error('EndpointRegistry.get outside begin/commit');
    let ep = next.get(key) ?? this.current.get(key);
    if (!ep) ep = new Endpoint(address, port, weight, pool);
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
    return Promise.all(stale.map((e) => e.pool.close().catch(() => undefined))).then(() => undefined);
  }

  /** Abandons a build (the new config was rejected). */
  abort(): void {
    const next = this.next;
    this.next = null;
    if (!next) return;
    for (const [k, e] of next) if (!this.current.has(k)) void e.pool.destroy().catch(() => undefined);
  }

  async close(force = false): Promise<void> {
    const all = [...this.current.values()];
    this.current = new Map();
    await Promise.all(all.map((e) => (force ? e.pool.destroy() : e.pool.close()).catch(() => undefined)));
  }
}
