/**
 * Probes against a cluster running the verification overlay (`weft verify --target URL`): each
 * probe is a `POST <URL>/weft-probe/<ns>/<caller>/__weft/forward` with `Host: weft-verify.local`
 * to the overlay's gateway, which routes it to the caller's probe client; the probe client (an
 * echo running as the caller's service account) sends it through its own sidecar, with the
 * caller's identity and the caller's routes, and returns the answer. The same protocol as the
 * local mesh's echoes, so a local mesh behind any HTTP reverse proxy stands in for a cluster in
 * tests (test/verify/target.test.ts).
 */
import { Pool } from 'undici';
import type { ServiceRef } from '../../model/common';
import { probePrefix, VERIFY_HOST } from '../overlay/model';
import type { ProbeRequest, Via } from '../plan/types';
import { observe, type Observation } from './observation';
import type { Arrivals, Transport } from './transport';

/** One forward round trip: the echo holds probes up to the timeouts under test. */
const REQUEST_TIMEOUT_MS = 60_000;

interface ForwardAnswer {
  results?: { status: number; headers: Record<string, string>; body: string; durationMs: number; error?: string }[];
}

export class ForwardTransport implements Transport {
  private readonly pool: Pool;

  /**
   * @param target the gateway's base URL
   * @param authorityOf how a caller addresses a service (`name.namespace:port`), for direct-style probes
   * @param probeClients `namespace/name` of the services that have a probe client
   */
  constructor(
    readonly target: string,
    private readonly authorityOf: (service: ServiceRef) => string | undefined,
    private readonly probeClients: ReadonlySet<string>,
  ) {
    this.pool = new Pool(new URL(target).origin, { connections: 64, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  }

  /** Probes cannot be pinned to one caller instance: the overlay runs one probe client per caller. */
  callerInstances(): number {
    return 1;
  }

  send(via: Via, request: ProbeRequest, requestId: string): Promise<Observation> {
    return via.gateway ? this.throughGateway(via.authority, request, requestId) : this.forward(via.caller, via.authority, request, requestId);
  }

  private readonly gatewayPools = new Map<string, Pool>();

  /** A gateway route's probe: straight to the ingress gateway with the route's host (as Host, and as SNI over https). */
  private async throughGateway(host: string, request: ProbeRequest, requestId: string): Promise<Observation> {
    const url = new URL(this.target);
    let pool = this.gatewayPools.get(host);
    if (!pool) {
      pool = new Pool(url.origin, { connections: 16, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS, ...(url.protocol === 'https:' ? { connect: { servername: host } } : {}) });
      this.gatewayPools.set(host, pool);
    }
    const start = performance.now();
    try {
      const res = await pool.request({
        method: request.method as 'GET',
        path: `${url.pathname.replace(/\/$/, '')}${request.path}`,
        headers: { ...request.headers, host, 'x-request-id': requestId },
        body: ['POST', 'PUT', 'PATCH'].includes(request.method) ? '{}' : undefined,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      return observe(requestId, res.statusCode, headers, await res.body.text(), performance.now() - start);
    } catch (error) {
      return observe(requestId, 0, {}, '', performance.now() - start, (error as { code?: string }).code ?? 'ERROR');
    }
  }

  /**
   * "Straight at the callee, as `identity`" becomes: through `identity`'s probe client (its
   * certificate, its sidecar). The plan for a target keeps only cells whose identity has one
   * (./../plan/target.ts).
   */
  async sendDirect(target: ServiceRef, request: ProbeRequest, requestId: string, identity?: ServiceRef): Promise<Observation> {
    const authority = this.authorityOf(target);
    if (!identity || !authority || !this.probeClients.has(`${identity.namespace}/${identity.name}`)) return observe(requestId, 0, {}, '', 0, 'NO_PROBE_CLIENT');
    return this.forward(identity, authority, request, requestId);
  }

  /** Arrivals at every callee instance are not observable from outside the cluster. */
  async arrivals(): Promise<Arrivals | undefined> {
    return undefined;
  }

  private async forward(caller: ServiceRef, authority: string, request: ProbeRequest, requestId: string): Promise<Observation> {
    const start = performance.now();
    const body = JSON.stringify({
      authority,
      concurrency: 1,
      requests: [{ method: request.method, path: request.path, headers: { ...request.headers, 'x-request-id': requestId }, ...(['POST', 'PUT', 'PATCH'].includes(request.method) ? { body: '{}' } : {}) }],
    });
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: `${new URL(this.target).pathname.replace(/\/$/, '')}${probePrefix(caller)}__weft/forward`,
        headers: { host: VERIFY_HOST, 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      const answer = res.statusCode === 200 ? (JSON.parse(text) as ForwardAnswer) : undefined;
      const r = answer?.results?.[0];
      // The gateway or the probe client itself failed: not an observation of the callee.
      if (!r) return observe(requestId, 0, {}, '', performance.now() - start, `PROBE_CLIENT_${res.statusCode}`);
      return observe(requestId, r.status, r.headers, r.body, r.durationMs, r.error);
    } catch (error) {
      return observe(requestId, 0, {}, '', performance.now() - start, (error as { code?: string }).code ?? 'ERROR');
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool, ...this.gatewayPools.values()].map((p) => p.destroy()));
  }
}
