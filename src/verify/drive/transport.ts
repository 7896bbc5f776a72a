/**
 * How probes reach the mesh. Locally (LocalTransport) a probe enters through the calling
 * service's own outbound proxy — the listener its application uses — so it carries the caller's
 * identity; attempts are counted at every echo instance of the callee. Against a cluster
 * (ForwardTransport) it asks the caller's probe client (an echo) to send it through its sidecar
 * (`POST /__weft/forward`), reached through the gateway URL.
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Pool } from 'undici';
import type { ServiceRef } from '../../model/common';
import type { ProbeRequest, Via } from '../plan/types';
import { observe, type Observation } from './observation';
import { RefusingCaller, type Refusal } from './refusing-caller';
import { GrpcProber, type GrpcObservation, type GrpcProbeRequest } from './grpc-probe';
import { holdConnection, tcpProbe, type HeldConnection, type TcpObservation } from './tcp-probe';
import { RefusingCallerError } from '../errors';

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
  /**
   * Sends through a second outbound proxy of the caller whose endpoints of the callee refuse
   * connections (./refusing-caller.ts): retry-on connect-failure. Undefined when not possible in this mode.
   */
  sendRefusing?(via: Via, callee: ServiceRef, refusal: Refusal, request: ProbeRequest, requestId: string): Promise<Observation>;
  /** The same, as a gRPC call of the echo service (./grpc-probe.ts). */
  grpcRefusing?(via: Via, callee: ServiceRef, refusal: Refusal, request: GrpcProbeRequest, requestId: string): Promise<GrpcObservation>;
  /**
   * Flips a degradation switch at runtime and resolves once every proxy declaring it reports the
   * new state (the local mesh's switches file, src/local/switches.ts); returns how many proxies
   * that was. Undefined when not possible in this mode (a cluster's switches are ConfigMaps).
   */
  setSwitch?(name: string, state: 'on' | 'off'): Promise<number>;
  /** One TCP connection through the caller's outbound TCP listener `listener` (its name in the caller's config, `<ns>/<service>:<port>`; ./tcp-probe.ts). */
  tcpConnect?(via: Via, listener: string, requestId: string): Promise<TcpObservation>;
  /** The same, kept open once answered (connection limits). */
  tcpHold?(via: Via, listener: string): Promise<HeldConnection>;
  /** A gRPC call of the echo service through the caller's outbound proxy (./grpc-probe.ts); undefined when not possible in this mode. `path`: another method. */
  grpcCall?(via: Via, request: GrpcProbeRequest, requestId: string, instance?: number, path?: string): Promise<GrpcObservation>;
  /**
   * A gRPC call straight at one receiving instance's inbound listener, as `identity` (its
   * workload certificate; undefined = plaintext h2c). Undefined when not possible in this mode.
   */
  grpcDirect?(target: ServiceRef, authority: string, request: GrpcProbeRequest, requestId: string, identity?: ServiceRef, path?: string): Promise<GrpcObservation>;
  /** A TCP connection straight at one receiving instance's inbound TCP listener `listener`, as `identity` (mTLS; undefined = plaintext). */
  tcpDirect?(target: ServiceRef, listener: string, requestId: string, identity?: ServiceRef): Promise<TcpObservation>;
  /**
   * The connections the first receiving instance's inbound TCP listener `listener` accepted so
   * far, by transport (its proxy's `weft_proxy_inbound_connections_total`): tells a connection
   * that mTLS refused from one that was accepted in plaintext and then denied by authorization —
   * both close without a byte. Undefined when not observable.
   */
  inboundConnections?(target: ServiceRef, listener: string): Promise<InboundConnections | undefined>;
  /** Arrivals of request ids with this prefix at the callee's echo instances (one instance: by its name); undefined when not observable. */
  arrivals(service: ServiceRef & { version?: string; instance?: string }, prefix: string): Promise<Arrivals | undefined>;
  close(): Promise<void>;
}

export interface InboundConnections {
  mtls: number;
  plaintext: number;
  rejected: number;
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
  /** The admin port of a service's first instance's proxy. */
  admin?(service: ServiceRef): number | undefined;
  /** The loopback port of a service's first instance's inbound TCP listener of that name, and whether it expects mTLS. */
  inboundTcp?(service: ServiceRef, name: string): { port: number; tls: boolean } | undefined;
  /** The loopback port of a service's first instance's outbound TCP listener of that name. */
  tcpListener?(service: ServiceRef, name: string): number | undefined;
  /** The loopback config file of a service's first instance (its proxy config as the local mesh serves it). */
  configFile?(service: ServiceRef): string | undefined;
  /** The same for the gateway workload a gateway probe (`via.gateway`) goes to. */
  gatewayConfigFile?(via: Via): string | undefined;
  /** Flips a switch in the local mesh once every proxy reports it (LocalMesh.setSwitch). */
  setSwitch?(name: string, state: 'on' | 'off'): Promise<number>;
  /** The local gateway server a gateway probe (`via.gateway`) goes to, with the files that make a client trust it (and, for MUTUAL, be trusted). */
  gateway?(via: Via): LocalGatewayServer | undefined;
}

export interface LocalGatewayServer {
  port: number;
  /** A TLS server: the CA its certificate chains to; `client`: the certificate a MUTUAL server accepts. */
  tls?: { caFile: string; client?: { certFile: string; keyFile: string } };
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Methods a client may resend after a connection closed without a response (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

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
    if (via.gateway) return this.sendGateway(via, request, requestId);
    const ports = this.endpoints.outbound(via.caller);
    const key = `${via.caller.namespace}/${via.caller.name}`;
    const i = instance ?? this.next.get(key) ?? 0;
    if (instance === undefined) this.next.set(key, (i + 1) % ports.length);
    return this.sendTo(ports[i % ports.length]!, via, request, requestId);
  }

  private readonly refusing = new Map<string, Promise<RefusingCaller>>();

  async tcpConnect(via: Via, listener: string, requestId: string): Promise<TcpObservation> {
    const port = this.endpoints.tcpListener?.(via.caller, listener);
    if (port === undefined) return { requestId, echoed: false, error: 'NO_TCP_LISTENER', durationMs: 0 };
    return tcpProbe(port, requestId);
  }

  async tcpHold(via: Via, listener: string): Promise<HeldConnection> {
    const port = this.endpoints.tcpListener?.(via.caller, listener);
    if (port === undefined) return { error: 'NO_TCP_LISTENER', close: () => undefined };
    return holdConnection(port);
  }
  private grpc?: GrpcProber;

  grpcCall(via: Via, request: GrpcProbeRequest, requestId: string, instance = 0, path?: string): Promise<GrpcObservation> {
    const ports = this.endpoints.outbound(via.caller);
    return (this.grpc ??= new GrpcProber()).call(ports[instance % ports.length]!, via.authority, request, requestId, { path });
  }

  /** The TLS material of `identity`'s workload certificate, read once per identity. */
  private readonly material = new Map<string, { ca: Buffer; key: Buffer; cert: Buffer }>();

  private tlsOf(identity: ServiceRef): { id: string; ca: Buffer; key: Buffer; cert: Buffer } | undefined {
    const id = `${identity.namespace}/${identity.name}`;
    if (!this.material.has(id)) {
      const c = this.endpoints.identity(identity);
      if (!c) return undefined;
      this.material.set(id, { ca: readFileSync(c.caFile), key: readFileSync(c.keyFile), cert: readFileSync(c.certFile) });
    }
    return { id, ...this.material.get(id)! };
  }

  async grpcDirect(target: ServiceRef, authority: string, request: GrpcProbeRequest, requestId: string, identity?: ServiceRef, path?: string): Promise<GrpcObservation> {
    const inbound = this.endpoints.inbound(target);
    const port = inbound.ports[0];
    if (port === undefined) return { requestId, code: 14, details: 'NO_INBOUND', flags: [], durationMs: 0 };
    const tls = identity && inbound.tls ? this.tlsOf(identity) : undefined;
    return (this.grpc ??= new GrpcProber()).call(port, authority, request, requestId, { path, route: tls ? { direct: 'mtls', ...tls } : { direct: 'plaintext' } });
  }

  async tcpDirect(target: ServiceRef, listener: string, requestId: string, identity?: ServiceRef): Promise<TcpObservation> {
    const inbound = this.endpoints.inboundTcp?.(target, listener);
    if (!inbound) return { requestId, echoed: false, error: 'NO_INBOUND_TCP_LISTENER', durationMs: 0 };
    const tls = identity && inbound.tls ? this.tlsOf(identity) : undefined;
    // The peer proves a SPIFFE identity (URI SAN), not a host name: trust the mesh CA, skip the host name check.
    return tcpProbe(inbound.port, requestId, tls ? { tls: { ca: tls.ca, key: tls.key, cert: tls.cert, rejectUnauthorized: true, checkServerIdentity: () => undefined } } : { speakFirst: true });
  }

  get setSwitch(): Transport['setSwitch'] {
    return this.endpoints.setSwitch;
  }

  async sendRefusing(via: Via, callee: ServiceRef, refusal: Refusal, request: ProbeRequest, requestId: string): Promise<Observation> {
    return this.sendTo(await this.refusingPort(via, callee, refusal), via, request, requestId);
  }

  async grpcRefusing(via: Via, callee: ServiceRef, refusal: Refusal, request: GrpcProbeRequest, requestId: string): Promise<GrpcObservation> {
    return (this.grpc ??= new GrpcProber()).call(await this.refusingPort(via, callee, refusal), via.authority, request, requestId);
  }

  /**
   * The outbound port of the caller's refusing twin, started on first use — both twins (`one`
   * and `all`) at once, since a check uses both: their start-ups overlap.
   */
  private async refusingPort(via: Via, callee: ServiceRef, refusal: Refusal): Promise<number> {
    const keyOf = (r: Refusal) => `${via.caller.namespace}/${via.caller.name}→${callee.namespace}/${callee.name}|${r}`;
    if (!this.refusing.has(keyOf(refusal))) {
      const file = via.gateway ? this.endpoints.gatewayConfigFile?.(via) : this.endpoints.configFile?.(via.caller);
      if (!file) throw new RefusingCallerError(`no running instance of ${via.gateway ? 'gateway ' : ''}"${via.caller.name}.${via.caller.namespace}" to copy the proxy config from`);
      for (const r of ['one', 'all'] as const) {
        if (this.refusing.has(keyOf(r))) continue;
        const started = RefusingCaller.start(file, callee, r);
        started.catch(() => undefined); // awaited below or in close(); never an unhandled rejection
        this.refusing.set(keyOf(r), started);
      }
    }
    return (await this.refusing.get(keyOf(refusal))!).port;
  }

  private sendTo(port: number, via: Via, request: ProbeRequest, requestId: string): Promise<Observation> {
    return this.sendOn(this.pool(port), via, request, requestId);
  }

  private async sendOn(pool: Pool, via: Via, request: ProbeRequest, requestId: string): Promise<Observation> {
    const start = performance.now();
    try {
      const res = await pool.request({
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

  private readonly gatewayPools = new Map<string, Pool>();

  /**
   * A gateway probe: to the local gateway server of the probe's scheme, with the route's host as
   * Host and, over https, as SNI — the server certificate (from the local CA) must be valid for
   * that host, as a browser would require.
   */
  private async sendGateway(via: Via, request: ProbeRequest, requestId: string): Promise<Observation> {
    const server = this.endpoints.gateway?.(via);
    if (!server) return observe(requestId, 0, {}, '', 0, 'NO_GATEWAY');
    const anonymous = via.anonymousClient === true;
    const key = `${server.port}|${via.authority}|${anonymous ? 'anonymous' : 'client'}`;
    let pool = this.gatewayPools.get(key);
    if (!pool) {
      const tls = server.tls;
      // A probe of an undeclared Host still checks the certificate against the declared one (undici checks it against Host).
      const certificateHost = via.certificateHost;
      pool = tls
        ? new Pool(`https://127.0.0.1:${server.port}`, {
            // As many as a caller's outbound pool: a breaker check through the gateway sends its burst at once.
            connections: 256,
            headersTimeout: REQUEST_TIMEOUT_MS,
            bodyTimeout: REQUEST_TIMEOUT_MS,
            connect: {
              servername: via.authority,
              ca: readFileSync(tls.caFile),
              ...(tls.client && !anonymous ? { cert: readFileSync(tls.client.certFile), key: readFileSync(tls.client.keyFile) } : {}),
              ...(certificateHost ? { checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(certificateHost, cert) } : {}),
            },
          })
        : new Pool(`http://127.0.0.1:${server.port}`, { connections: 256, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
      this.gatewayPools.set(key, pool);
    }
    return this.sendOn(pool, via, request, requestId);
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
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await pool.request({ method: request.method as 'GET', path: request.path, headers: { ...request.headers, host: `${target.name}.${target.namespace}`, 'x-request-id': requestId }, body: request.method === 'POST' || request.method === 'PUT' ? '{}' : undefined, headersTimeout: REQUEST_TIMEOUT_MS });
        const body = await readAll(res.body);
        return observe(requestId, res.statusCode, flatHeaders(res.headers), body, performance.now() - start);
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'ERROR';
        // A kept-alive connection can close as the next request goes out on it (no response at
        // all): clients resend an idempotent request once, on a new connection (RFC 9112 §9.3.1).
        if (attempt === 1 && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') && IDEMPOTENT.has(request.method)) continue;
        return observe(requestId, 0, {}, '', performance.now() - start, code);
      }
    }
  }

  async inboundConnections(target: ServiceRef, listener: string): Promise<InboundConnections | undefined> {
    const port = this.endpoints.admin?.(target);
    if (port === undefined) return undefined;
    const res = await this.pool(port).request({ method: 'GET', path: '/metrics' });
    const text = await readAll(res.body, 16 * 1024 * 1024);
    if (res.statusCode !== 200) return undefined;
    const count = (transport: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`weft_proxy_inbound_connections_total{listener="${listener}",transport="${transport}"}`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    return { mtls: count('mtls'), plaintext: count('plaintext'), rejected: count('rejected') };
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
    await Promise.all([...this.pools.values(), ...this.direct.values(), ...this.gatewayPools.values()].map((p) => p.destroy()));
    await Promise.all([...this.refusing.values()].map((c) => c.then((r) => r.stop(), () => undefined)));
    this.grpc?.close();
  }
}
