/**
 * Everything a config compiles into: services with their endpoints, breakers and outlier
 * detectors, compiled routes, metric label sets, the access log. A reload builds a new Runtime
 * and swaps one pointer; requests already running keep the Runtime they started with, so a
 * reload never changes a request midway.
 */
import type { EndpointRegistry } from './cluster/registry';
import { ServiceRuntime } from './cluster/service';
import type { ConnectionPoolConfig, ProxyConfig, ServiceConfig } from './config/schema';
import type { LoadedConfig } from './config/load';
import type { AccessLogger } from './access-log';
import { logAccess } from './access-log-line';
import type { Exchange } from './exchange';
import { requestLabelKey, UNKNOWN_PEER, type IstioMetrics, type PeerLabels } from './metrics';
import { faultStep } from './pipeline/fault';
import { MirrorBudget } from './pipeline/mirror';
import { compose, type Step } from './pipeline/types';
import { compileHosts } from './routing/match';
import { SecurityRuntime } from './security/security-runtime';
import { spanOf, type OtlpExporter } from './otlp-exporter';
import { compileRoute, degradationSteps, forwardChain, type CompiledRoute, type RouteContext } from './routing/route';
import { RatioBreaker } from './cluster/ratio-breaker';
import type { LeakyBucket } from './pipeline/shape';
import { SwitchBoard } from './switch-board';
import { spiffeUri } from './security/spiffe';
import { grpcResponseStatus } from './grpc-status';
import { silentLogger } from './log';
import { monotonicMs } from './clock';

/** Which side a listener serves: in front of the application, for its calls, or at the mesh's edge (a gateway). */
export type ListenerKind = 'inbound' | 'outbound' | 'gateway';

export interface ListenerRuntime {
  readonly kind: ListenerKind;
  readonly draining: boolean;
  finish(ex: Exchange): void;
}

const DEFAULT_POOL: ConnectionPoolConfig = { connectTimeoutMs: 10_000, idleTimeoutMs: 4_000 };
const INBOUND_SERVICE = 'inbound|app';

export function serviceFqdn(s: Pick<ServiceConfig, 'name' | 'namespace'>): string {
  return `${s.name}.${s.namespace}.svc.cluster.local`;
}

function defaultHosts(s: ServiceConfig): string[] {
  return [s.name, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, serviceFqdn(s)];
}

/** The x-weft-peer value: who is calling, for the destination's metrics (Istio's metadata exchange). */
export function peerHeaderValue(l: PeerLabels): string {
  return [l.workload, l.namespace, l.app, l.version, l.cluster].map(encodeURIComponent).join(';');
}

function parsePeer(value: string): PeerLabels {
  const [workload, namespace, app, version, cluster] = value.split(';').map((v) => {
    try {
      return decodeURIComponent(v);
    } catch {
      return 'unknown';
    }
  });
  return { workload: workload || 'unknown', namespace: namespace || 'unknown', app: app || 'unknown', version: version || 'unknown', principal: 'unknown', cluster: cluster || 'unknown' };
}

type InboundListenerConfig = NonNullable<ProxyConfig['listeners']['inbound']>;

function inboundServiceName(listener: string): string {
  return `${INBOUND_SERVICE}:${listener}`;
}

/** The application behind one inbound listener, as a one-endpoint service. */
function appService(name: string, l: InboundListenerConfig, registry: EndpointRegistry): ServiceRuntime {
  const pool = l.connectionPool ?? DEFAULT_POOL;
  const app = registry.get(name, l.app.host, l.app.port, 1, pool, undefined, l.app.protocol);
  return new ServiceRuntime({ name, lb: { type: 'round-robin' }, outlier: undefined, pool, subsets: [{ name: 'app', endpoints: [app], metricKey: '' }], serviceMetricKey: '' });
}

/**
 * An inbound listener is one implicit route to its application port, with the service's own
 * policies: authentication and authorization, per-service rate limit, fault injection, timeout,
 * connection limits.
 */
function inboundRoute(name: string, service: string, l: InboundListenerConfig, security: SecurityRuntime, ctx: RouteContext): CompiledRoute {
  const steps: Step[] = [];
  if (security.active) steps.push(security.step);
  steps.push(...degradationSteps({ name, ...l }, ctx));
  if (l.fault) steps.push(faultStep(l.fault));
  const f = forwardChain({ destinations: [{ service, weight: 1 }], timeoutMs: l.timeoutMs }, ctx);
  return { name, matches: () => true, dispatch: compose([...steps, ...f.steps], f.terminal) };
}

/** The SPIFFE id of this workload's certificate, or `unknown` without one. */
function ownPrincipal(registry: EndpointRegistry): string {
  const id = registry.identity?.().identity;
  return id ? spiffeUri(id) : 'unknown';
}

export class Runtime {
  readonly config: ProxyConfig;
  readonly hash: string;
  readonly loadedAt = new Date();
  readonly services = new Map<string, ServiceRuntime>();
  readonly routes: CompiledRoute[] = [];
  readonly inbound: CompiledRoute | null = null;
  /** The implicit routes of the further inbound listeners, by listener name. */
  private readonly inboundPorts = new Map<string, CompiledRoute>();
  /** Their security steps (they share the first listener's counters and JWT key sets). */
  private readonly portSecurity: SecurityRuntime[] = [];
  readonly self: PeerLabels;
  readonly peerHeader: string;
  /** Source labels of TCP metrics this workload reports (passthrough tunnels). */
  readonly tcpSourceLabels: string;
  readonly mirrorBudget: MirrorBudget;
  /** Inbound JWT + authorization (null without an inbound listener). */
  readonly security: SecurityRuntime | null = null;
  /** Ratio breakers by service (state is per runtime: a config reload starts them closed). */
  readonly breakers = new Map<string, RatioBreaker>();
  readonly shapers: Array<{ route: string; bucket: LeakyBucket }> = [];
  private readonly serviceDefaults: Array<{ hosts: (a: string) => boolean; route: CompiledRoute }> = [];
  private readonly outboundUnknown = new Map<string, string>();
  private readonly inboundKeys = new Map<string, string>();
  private readonly selfService: { service: string; name: string; namespace: string };

  constructor(
    loaded: LoadedConfig,
    registry: EndpointRegistry,
    readonly metrics: IstioMetrics | null,
    readonly accessLog: AccessLogger | null,
    /** OTLP span export (owned by the proxy, shared across reloads); null = none. */
    readonly spans: OtlpExporter | null = null,
    /** Degradation switch states (owned by the proxy: they change without a reload). */
    readonly switches: SwitchBoard = new SwitchBoard(silentLogger),
  ) {
    const c = (this.config = loaded.config);
    this.hash = loaded.hash;
    const w = c.workload;
    this.self = {
      workload: w.workloadName ?? `${w.service}-${w.version}`,
      namespace: w.namespace,
      app: w.app ?? w.service,
      version: w.version,
      // The workload's own SPIFFE id from its certificate (Istio's source/destination_principal).
      principal: ownPrincipal(registry),
      cluster: w.cluster,
    };
    this.peerHeader = peerHeaderValue(this.self);
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    this.tcpSourceLabels = `source_workload="${esc(this.self.workload)}",source_workload_namespace="${esc(this.self.namespace)}"`;
    this.selfService = { service: serviceFqdn({ name: w.service, namespace: w.namespace }), name: w.service, namespace: w.namespace };
    this.mirrorBudget = new MirrorBudget(c.limits.maxMirrorsInFlight, 30_000);

    for (const s of c.services) this.services.set(s.name, this.buildService(s, registry));
    for (const s of c.services) if (s.ratioBreaker) this.breakers.set(s.name, new RatioBreaker(s.ratioBreaker));
    const inbound = c.listeners.inbound;
    // One application service per inbound listener: each port forwards to its own application port.
    if (inbound) this.services.set(INBOUND_SERVICE, appService(INBOUND_SERVICE, inbound, registry));
    for (const p of c.listeners.inboundPorts) this.services.set(inboundServiceName(p.name), appService(inboundServiceName(p.name), p, registry));
    const ctx: RouteContext = { services: this.services, limits: c.limits, mirrorBudget: this.mirrorBudget, switches: this.switches, breakers: this.breakers, shapers: this.shapers, metrics };
    for (const r of c.routes) this.routes.push(compileRoute(r, ctx));
    for (const s of c.services) {
      const f = forwardChain({ destinations: [{ service: s.name, weight: 1 }] }, ctx);
      this.serviceDefaults.push({ hosts: compileHosts(s.hosts ?? defaultHosts(s)), route: { name: `default|${s.name}`, matches: () => true, dispatch: compose(f.steps, f.terminal) } });
    }
    if (inbound) {
      // Authentication and authorization come first, as Istio's jwt_authn and rbac filters do;
      // each listener matches authorization `ports` against its own application port.
      this.security = new SecurityRuntime(c.security, inbound.app.port);
      this.inbound = inboundRoute('inbound', INBOUND_SERVICE, inbound, this.security, ctx);
      for (const p of c.listeners.inboundPorts) {
        const security = new SecurityRuntime(c.security, p.app.port, this.security.counters);
        this.portSecurity.push(security);
        this.inboundPorts.set(p.name, inboundRoute(`inbound:${p.name}`, inboundServiceName(p.name), p, security, ctx));
      }
    }
  }

  /** The implicit route of a further inbound listener (listeners.inboundPorts), by name. */
  inboundPort(name: string): CompiledRoute | null {
    return this.inboundPorts.get(name) ?? null;
  }

  private buildService(s: ServiceConfig, registry: EndpointRegistry): ServiceRuntime {
    const svc = { service: serviceFqdn(s), name: s.name, namespace: s.namespace };
    const app = s.app ?? s.name;
    const subsets = s.subsets.map((sub) => {
      const version = sub.version ?? sub.name;
      // Over mTLS the server proved one of the secure-naming identities: with one, that is its principal.
      const principal = s.tls?.subjectAltNames.length === 1 ? s.tls.subjectAltNames[0]! : 'unknown';
      const dst: PeerLabels = { workload: sub.workloadName ?? `${s.name}-${version}`, namespace: s.namespace, app, version, principal, cluster: this.self.cluster };
      const metricKey = requestLabelKey('source', this.self, dst, svc);
      const endpoints = sub.endpoints.map((e) => registry.get(s.name, e.address, e.port, e.weight, s.connectionPool, s.tls, s.protocol));
      return { name: sub.name, endpoints, metricKey };
    });
    // An endpoint listed in several subsets reports the first one's labels.
    for (const sub of [...subsets].reverse()) for (const e of sub.endpoints) e.labels = { metricKey: sub.metricKey, subset: sub.name };
    const serviceMetricKey = requestLabelKey('source', this.self, { ...UNKNOWN_PEER, namespace: s.namespace, app, cluster: this.self.cluster }, svc);
    return new ServiceRuntime({ name: s.name, lb: s.loadBalancer, outlier: s.outlierDetection, pool: s.connectionPool, subsets, serviceMetricKey });
  }

  /** First matching route, then the implicit route of a service whose hosts match, else null (404 NR). */
  matchOutbound(ex: Exchange): CompiledRoute | null {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) if (routes[i]!.matches(ex)) return routes[i]!;
    for (const d of this.serviceDefaults) if (d.hosts(ex.authority)) return d.route;
    return null;
  }

  /**
   * Whether an authority (`host:port`, from a CONNECT) is one the outbound HTTP routing serves:
   * a route's host or a service's. Compiled on first use, once per runtime.
   */
  servesHttp(authority: string): boolean {
    this.httpHosts ??= compileHosts([...this.config.routes.flatMap((r) => r.hosts), ...this.config.services.flatMap((s) => s.hosts ?? defaultHosts(s))]);
    return this.httpHosts(authority);
  }

  private httpHosts: ((authority: string) => boolean) | null = null;

  /**
   * First matching declared route, or null (404 NR). A gateway server resolves through this
   * only: unlike the outbound listener, an edge must not reach a service by naming its mesh host.
   */
  matchRoute(ex: Exchange): CompiledRoute | null {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) if (routes[i]!.matches(ex)) return routes[i]!;
    return null;
  }

  start(): void {
    for (const s of this.services.values()) s.start();
  }

  stop(): void {
    for (const s of this.services.values()) s.stop();
    this.security?.stop();
    for (const s of this.portSecurity) s.stop();
  }

  private metricKey(ex: Exchange): string {
    if (ex.listener.kind === 'inbound') {
      // The caller's labels (x-weft-peer) and its verified identity (mTLS) select the series.
      const id = ex.principal === '' ? ex.peer : `${ex.peer}\n${ex.principal}`;
      let key = this.inboundKeys.get(id);
      if (key === undefined) {
        const src = ex.peer === '' ? { ...UNKNOWN_PEER } : parsePeer(ex.peer);
        src.principal = ex.principal === '' ? 'unknown' : `spiffe://${ex.principal}`;
        key = requestLabelKey('destination', src, this.self, this.selfService, ex.principal === '' ? 'none' : 'mutual_tls');
        if (this.inboundKeys.size < 1024) this.inboundKeys.set(id, key);
      }
      return key;
    }
    const known = ex.endpoint?.labels?.metricKey ?? ex.target?.metricKey;
    if (known) return known;
    let key = this.outboundUnknown.get(ex.authority);
    if (key === undefined) {
      // No destination (no route, direct response, redirect): Istio reports the authority as the service.
      key = requestLabelKey('source', this.self, UNKNOWN_PEER, { service: ex.authority || 'unknown', name: ex.authority || 'unknown', namespace: 'unknown' });
      if (this.outboundUnknown.size < 1024) this.outboundUnknown.set(ex.authority, key);
    }
    return key;
  }

  /** Records a finished request: metrics and access log. */
  observe(ex: Exchange): void {
    const duration = monotonicMs() - ex.start;
    if (this.metrics) this.metrics.record(this.metricKey(ex), ex.status, ex.flags, duration, ex.bodyLength > 0 ? ex.bodyLength : 0, ex.bytesSent, grpcResponseStatus(ex));
    if (this.accessLog) logAccess(this.accessLog, ex, duration);
    if (this.spans) {
      const span = spanOf(ex, duration);
      if (span) this.spans.add(span);
    }
  }
}
