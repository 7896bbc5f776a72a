/**
 * Probes against a cluster running the verification overlay (`weft verify --target URL`): each
 * probe is a `POST <URL>/weft-probe/<ns>/<caller>/__weft/forward` with `Host: weft-verify.local`
 * to the overlay's gateway, which routes it to the caller's probe client; the probe client (an
 * echo running as the caller's service account) sends it through its own sidecar, with the
 * caller's identity and the caller's routes, and returns the answer. The same protocol as the
 * local mesh's echoes, so a local mesh behind any HTTP reverse proxy stands in for a cluster in
 * tests (test/verify/target.test.ts).
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Pool } from 'undici';
import type { ServiceRef } from '../../model/common';
import { probePrefix, VERIFY_HOST } from '../overlay/model';
import type { ProbeRequest, Via } from '../plan/types';
import { observe, type Observation } from './observation';
import type { Arrivals, Transport } from './transport';
import type { GrpcObservation, GrpcProbeRequest } from './grpc-probe';
import type { TcpObservation } from './tcp-probe';

/** One forward round trip: the echo holds probes up to the timeouts under test. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * TLS material for an https target (`--target-ca`, `--target-cert`, `--target-key`): the CA the
 * gateway's server certificate chains to (default: Node's bundled roots), and the client
 * certificate a MUTUAL gateway requires (Istio `ServerTLSSettings` MUTUAL).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
 */
export interface TargetTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

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
    /**
     * How to read a service's arrival counts from inside the cluster: a probe client whose
     * sidecar routes to it, and how many instances a version (or the service) runs.
     */
    private readonly observerOf?: (service: ServiceRef) => { caller: ServiceRef; instances(version?: string): number } | undefined,
    private readonly tls: TargetTls = {},
  ) {
    this.pool = new Pool(new URL(target).origin, { connections: 64, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS, ...(tls.ca ? { connect: { ca: tls.ca } } : {}) });
  }

  /** Probes cannot be pinned to one caller instance: the overlay runs one probe client per caller. */
  callerInstances(): number {
    return 1;
  }

  send(via: Via, request: ProbeRequest, requestId: string): Promise<Observation> {
    return via.gateway ? this.throughGateway(via.authority, request, requestId, via.certificateHost, via.anonymousClient === true) : this.forward(via.caller, via.authority, request, requestId);
  }

  private readonly gatewayPools = new Map<string, Pool>();

  /**
   * A gateway route's probe: straight to the ingress gateway with the route's host (as Host, and
   * as SNI over https), presenting the client certificate when one is given — unless the probe is
   * the MUTUAL gateway's `anonymous` one, which must be refused at the handshake.
   */
  private async throughGateway(host: string, request: ProbeRequest, requestId: string, certificateHost: string | undefined, anonymous: boolean): Promise<Observation> {
    const url = new URL(this.target);
    const key = `${host}|${anonymous ? 'anonymous' : 'client'}`;
    let pool = this.gatewayPools.get(key);
    if (!pool) {
      // An undeclared Host (the hosts check) still checks the certificate against the declared host.
      const identity = certificateHost ? { checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(certificateHost, cert) } : {};
      const client = !anonymous && this.tls.cert && this.tls.key ? { cert: this.tls.cert, key: this.tls.key } : {};
      pool = new Pool(url.origin, { connections: 256, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS, ...(url.protocol === 'https:' ? { connect: { servername: host, ...(this.tls.ca ? { ca: this.tls.ca } : {}), ...client, ...identity } } : {}) });
      this.gatewayPools.set(key, pool);
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

  /**
   * A gRPC call through the caller's probe client: its gRPC forward endpoint
   * (`…/__weft/forward-grpc`, src/echo/forward-grpc.ts) makes the call through its sidecar with
   * the caller's identity and returns the status, the echo's reply and the response flags.
   */
  async grpcCall(via: Via, request: GrpcProbeRequest, requestId: string, _instance?: number, path?: string): Promise<GrpcObservation> {
    const failed = (details: string): GrpcObservation => ({ requestId, code: 14, details, flags: [], durationMs: 0 });
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: `${new URL(this.target).pathname.replace(/\/$/, '')}${probePrefix(via.caller)}__weft/forward-grpc`,
        headers: { host: VERIFY_HOST, 'content-type': 'application/json' },
        body: JSON.stringify({ authority: via.authority, concurrency: 1, calls: [{ ...request, requestId, ...(path ? { path } : {}) }] }),
      });
      const text = await res.body.text();
      const answer = res.statusCode === 200 ? (JSON.parse(text) as { results?: GrpcObservation[] }) : undefined;
      // The gateway or the probe client itself failed: not an observation of the callee.
      return answer?.results?.[0] ?? failed(`PROBE_CLIENT_${res.statusCode}`);
    } catch (error) {
      return failed((error as { code?: string }).code ?? 'ERROR');
    }
  }

  /**
   * A TCP connection through the caller's probe client: its TCP forward endpoint
   * (`…/__weft/forward-tcp`, src/echo/forward-tcp.ts) connects where the application would (its
   * sidecar's TCP listener for the service, or the service itself under transparent capture) and
   * reports the echo's identity line and whether the bytes came back.
   */
  async tcpConnect(via: Via, _listener: string, requestId: string): Promise<TcpObservation> {
    const start = performance.now();
    const failed = (error: string): TcpObservation => ({ requestId, echoed: false, error, durationMs: performance.now() - start });
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: `${new URL(this.target).pathname.replace(/\/$/, '')}${probePrefix(via.caller)}__weft/forward-tcp`,
        headers: { host: VERIFY_HOST, 'content-type': 'application/json' },
        body: JSON.stringify({ authority: via.authority, concurrency: 1, connections: [{ requestId }] }),
      });
      const text = await res.body.text();
      const answer = res.statusCode === 200 ? (JSON.parse(text) as { results?: TcpObservation[] }) : undefined;
      // The gateway or the probe client itself failed: not an observation of the callee.
      return answer?.results?.[0] ?? failed(`PROBE_CLIENT_${res.statusCode}`);
    } catch (error) {
      return failed((error as { code?: string }).code ?? 'ERROR');
    }
  }

  /**
   * Arrivals at every instance of a service (version): `GET /__weft/seen?prefix=P` sent to it
   * through a probe client of one of its callers, in rounds of 8, until every instance of the
   * version has answered with its own count (each echo names itself in the answer) — the
   * route's load balancing decides which instance a request reaches. Undefined when no probe
   * client calls the service, one instance is pinned (`instance`: the verifier cannot aim at a
   * pod through a sidecar), or not every instance answered within 20 rounds.
   */
  async arrivals(service: ServiceRef & { version?: string; instance?: string }, prefix: string): Promise<Arrivals | undefined> {
    const observer = this.observerOf?.(service);
    const authority = this.authorityOf(service);
    if (!observer || !authority || service.instance !== undefined) return undefined;
    const want = observer.instances(service.version);
    const counts = new Map<string, Arrivals>();
    for (let round = 0; round < 20 && counts.size < want; round++) {
      const requests = Array.from({ length: 8 }, () => ({ method: 'GET', path: `/__weft/seen?prefix=${encodeURIComponent(prefix)}`, headers: {} }));
      const res = await this.pool.request({
        method: 'POST',
        path: `${new URL(this.target).pathname.replace(/\/$/, '')}${probePrefix(observer.caller)}__weft/forward`,
        headers: { host: VERIFY_HOST, 'content-type': 'application/json' },
        body: JSON.stringify({ authority, concurrency: 8, requests }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) continue;
      for (const r of (JSON.parse(text) as ForwardAnswer).results ?? []) {
        if (r.status !== 200) continue;
        const seen = JSON.parse(r.body) as Partial<Arrivals> & { service?: string; version?: string; instance?: string };
        if (seen.service !== service.name || (service.version !== undefined && seen.version !== service.version) || !seen.instance) continue;
        counts.set(seen.instance, { ids: seen.ids ?? 0, arrivals: seen.arrivals ?? 0, shadowIds: seen.shadowIds ?? 0, shadowArrivals: seen.shadowArrivals ?? 0 });
      }
    }
    if (counts.size < want) return undefined;
    const total: Arrivals = { ids: 0, arrivals: 0, shadowIds: 0, shadowArrivals: 0 };
    for (const c of counts.values()) {
      total.ids += c.ids;
      total.arrivals += c.arrivals;
      total.shadowIds += c.shadowIds;
      total.shadowArrivals += c.shadowArrivals;
    }
    return total;
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
