/**
 * How probes reach the mesh. Locally (LocalTransport) a probe enters through the calling
 * service's own outbound proxy — the listener its application uses — so it carries the caller's
 * identity; attempts are counted at every echo instance of the callee. Against a cluster
 * (ForwardTransport) it asks the caller's probe client (an echo) to send it through its sidecar
 * (`POST /__weft/forward`), reached through the gateway URL.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { ServiceRef } from '../../model/common';
import type { ProbeRequest, Via } from '../plan/types';
import { observe, type Observation } from './observation';

export interface Arrivals {
  ids: number;
  arrivals: number;
  shadowIds: number;
  shadowArrivals: number;
}

export interface Transport {
  /** How many instances of `caller` can send probes (a pinned probe picks one). */
  callerInstances(caller: ServiceRef): number;
  send(via: Via, request: ProbeRequest, requestId: string, instance?: number): Promise<Observation>;
  /**
   * Sends straight to one receiving instance's inbound listener, as `identity` (its workload
   * certificate; undefined = plaintext, no identity). Undefined when not possible in this mode.
   */
  sendDirect?(target: ServiceRef, request: ProbeRequest, requestId: string, identity?: ServiceRef): Promise<Observation>;
  /** Arrivals of request ids with this prefix at the callee's echo instances (one instance: by its name); undefined when not observable. */
  arrivals(service: ServiceRef & { version?: string; instance?: string }, prefix: string): Promise<Arrivals | undefined>;
  close(): Promise<void>;
}

export interface ClientCertificate {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface LocalEndpoints {
  /** Inbound listener ports of a service's instances, and whether they expect mTLS. */
  inbound(service: ServiceRef): { ports: number[]; tls: boolean };
  /** A workload certificate of `service` (its identity), when the mesh uses mTLS. */
  identity(service: ServiceRef): ClientCertificate | undefined;
  /** Outbound listener ports of a service's instances. */
  outbound(service: ServiceRef): number[];
  /** Echo ports of a service's (version's, or one named instance's) instances. */
  echoes(service: ServiceRef & { version?: string; instance?: string }): number[];
}

const REQUEST_TIMEOUT_MS = 30_000;

async function readAll(body: AsyncIterable<unknown>, limit = 256 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    const b = c as Buffer;
    if (size < limit) chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export class LocalTransport implements Transport {
  private readonly pools = new Map<number, Pool>();
  private readonly next = new Map<string, number>();

  constructor(private readonly endpoints: LocalEndpoints) {}

  callerInstances(caller: ServiceRef): number {
    return this.endpoints.outbound(caller).length;
  }

  private pool(port: number): Pool {
    let p = this.pools.get(port);
    if (!p) {
      p = new Pool(`http://127.0.0.1:${port}`, { connections: 256, pipelining: 1, keepAliveTimeout: 2000, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
      this.pools.set(port, p);
    }
    return p;
  }

  async send(via: Via, request: ProbeRequest, requestId: string, instance?: number): Promise<Observation> {
    const ports = this.endpoints.outbound(via.caller);
    const key = `${via.caller.namespace}/${via.caller.name}`;
    const i = instance ?? this.next.get(key) ?? 0;
    if (instance === undefined) this.next.set(key, (i + 1) % ports.length);
    const port = ports[i % ports.length]!;
    const start = performance.now();
    try {
      const res = await this.pool(port).request({
        method: request.method as 'GET',
        path: request.path,
        headers: { ...request.headers, host: via.authority, 'x-request-id': requestId },
        body: request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH' ? '{}' : undefined,
      });
      const body = await readAll(res.body);
      return observe(requestId, res.statusCode, flatHeaders(res.headers), body, performance.now() - start);
    } catch (error) {
      return observe(requestId, 0, {}, '', performance.now() - start, (error as { code?: string }).code ?? 'ERROR');
    }
  }

  private readonly direct = new Map<string, Pool>();

  async sendDirect(target: ServiceRef, request: ProbeRequest, requestId: string, identity?: ServiceRef): Promise<Observation> {
    const inbound = this.endpoints.inbound(target);
    const port = inbound.ports[0];
    const cert = identity && inbound.tls ? this.endpoints.identity(identity) : undefined;
    const start = performance.now();
    if (port === undefined) return observe(requestId, 0, {}, '', 0, 'NO_INBOUND');
    const key = `${port}|${identity ? `${identity.namespace}/${identity.name}` : '-'}|${cert ? 'tls' : 'plain'}`;
    let pool = this.direct.get(key);
    if (!pool) {
      pool = cert
        ? new Pool(`https://127.0.0.1:${port}`, {
            connections: 64,
            // The peer proves a SPIFFE identity (URI SAN), not a host name: trust the mesh CA, skip the host name check.
            connect: { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile), ca: readFileSync(cert.caFile), rejectUnauthorized: true, checkServerIdentity: () => undefined },
          })
        : new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
      this.direct.set(key, pool);
    }
    try {
      const res = await pool.request({ method: request.method as 'GET', path: request.path, headers: { ...request.headers, host: `${target.name}.${target.namespace}`, 'x-request-id': requestId }, body: request.method === 'POST' || request.method === 'PUT' ? '{}' : undefined, headersTimeout: REQUEST_TIMEOUT_MS });
      const body = await readAll(res.body);
      return observe(requestId, res.statusCode, flatHeaders(res.headers), body, performance.now() - start);
    } catch (error) {
      return observe(requestId, 0, {}, '', performance.now() - start, (error as { code?: string }).code ?? 'ERROR');
    }
  }

  async arrivals(service: ServiceRef & { version?: string; instance?: string }, prefix: string): Promise<Arrivals> {
    const total: Arrivals = { ids: 0, arrivals: 0, shadowIds: 0, shadowArrivals: 0 };
    for (const port of this.endpoints.echoes(service)) {
      const res = await this.pool(port).request({ method: 'GET', path: `/__weft/seen?prefix=${encodeURIComponent(prefix)}` });
      const seen = JSON.parse(await readAll(res.body)) as Arrivals;
      total.ids += seen.ids;
      total.arrivals += seen.arrivals;
      total.shadowIds += seen.shadowIds;
      total.shadowArrivals += seen.shadowArrivals;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values(), ...this.direct.values()].map((p) => p.destroy()));
  }
}
