import { serviceKey } from '../../model/common';
import type { ExternalService, MeshModel } from '../../model/mesh';
import type { Port, Service } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import type { At } from '../../diagnostics/location';
import { connectionPoolConfig, outlierDetectionConfig } from './circuit-breaker';
import type { EndpointResolver, SubsetDiscovery } from './endpoints';
import { meshUsesMtls, mtlsModeOf, spiffeIdOf } from './identity';
import { furtherPortHosts, serviceHosts } from './hosts';
import { loadBalancerConfig } from './load-balancer';
import { inboundHttpPorts, proxiedPort, speaksHttp2 } from './ports';
import type { Report } from '../../diagnostics/reporter';

export type ServiceInput = NonNullable<ProxyConfigInput['services']>[number];
export type TcpRouteInput = NonNullable<ProxyConfigInput['tcpListeners']>[number];

/** Whether the outbound proxy carries an external service's TLS/TCP ports by CONNECT (addExternalTunnels). */
export function isTunneledExternal(ext: Pick<ExternalService, 'ports' | 'resolution' | 'hosts'>): boolean {
  if (!ext.ports.some((p) => p.protocol === 'tcp')) return false;
  return !(ext.resolution === 'none' && ext.hosts.some((h) => h.includes('*')));
}

/** Whether a service calls an external service whose TLS/TCP ports go through the proxy: its application then gets HTTPS_PROXY. */
export function callsTunneledExternal(model: Pick<MeshModel, 'externalServices'>, service: Pick<Service, 'calls'>): boolean {
  return service.calls.some((c) => {
    if (c.target.kind !== 'external') return false;
    const name = c.target.name;
    const ext = model.externalServices.find((e) => e.name === name);
    return ext !== undefined && isTunneledExternal(ext);
  });
}

/** Subset name of an external service's endpoints (it has no versions). */
export const EXTERNAL_SUBSET = 'external';

/**
 * The `services` of one workload's config, keyed by short name (the proxy's service name and
 * its `destination_service_name` label). Entries keep the order they were first needed in:
 * called services in `calls` order, then services reached only as a route destination or mirror.
 */
export class ServiceTable {
  private readonly entries = new Map<string, { key: string; config: ServiceInput; furtherPort?: true }>();

  constructor(
    private readonly model: MeshModel,
    private readonly callerNamespace: string,
    private readonly resolve: EndpointResolver,
    private readonly report: Report,
    /** Dynamic endpoints per version (Kubernetes: DNS of the headless per-version Service); absent = static only. */
    private readonly discover?: SubsetDiscovery,
  ) {}

  /**
   * The proxy name of `service`, adding it when first needed; undefined when the proxy cannot
   * carry traffic to it (no HTTP port — its TCP ports have their own path, tcp.ts —, no versions, or a
   * short name already taken by another service).
   * `hosts`: the authorities that reach it when no route matches; `[]` keeps it reachable only
   * through routes (unmatched requests then get 404 NR, as with an Istio VirtualService).
   */
  add(service: Service, hosts: 'all' | 'none', at: At, servicePort?: number): string | undefined {
    const first = proxiedPort(service);
    if (!first) return undefined;
    const further = servicePort !== undefined && servicePort !== first.port ? inboundHttpPorts(service).find((p) => p.port.port === servicePort) : undefined;
    if (further) return this.addFurtherPort(service, further, hosts, at);
    const port = first;
    if (service.versions.length === 0) {
      this.report(
        'WEFT655',
        at,
        `service "${service.name}" has no versions, so the weft proxy has no endpoint to send its traffic to`,
        `declare at least one version of "${service.name}", or remove the call or route that targets it`,
      );
      return undefined;
    }
    const key = serviceKey(service);
    const existing = this.entries.get(service.name);
    if (existing) {
      if (existing.key !== key) {
        this.report(
          'WEFT652',
          at,
          `"${key}" and "${existing.key}" share the short name "${service.name}", which names services in a weft proxy config; only "${existing.key}" is reachable`,
          'rename one of the two services, or call only one of them from this workload',
        );
        return undefined;
      }
      if (hosts === 'all' && existing.config.hosts?.length === 0) existing.config.hosts = serviceHosts(this.model, service, port.port, this.callerNamespace);
      return service.name;
    }
    const config: ServiceInput = {
      name: service.name,
      namespace: service.namespace,
      hosts: hosts === 'all' ? serviceHosts(this.model, service, port.port, this.callerNamespace) : [],
      // An http2 service is reached over HTTP/2 (its inbound listener accepts h2 by ALPN and h2c).
      ...(speaksHttp2(port) ? { protocol: 'http2' as const } : {}),
      subsets: service.versions.map((v) => {
        const discovery = this.discover?.(service, v);
        return { name: v.name, endpoints: this.resolve(service, v), ...(discovery ? { discovery } : {}) };
      }),
    };
    // Between weft proxies mTLS is automatic (Istio's auto mTLS): used whenever the receiver
    // accepts it, with secure naming on the receiver's SPIFFE id.
    if (meshUsesMtls(this.model) && mtlsModeOf(this.model, service) !== 'disable') config.tls = { mode: 'ISTIO_MUTUAL', subjectAltNames: [spiffeIdOf(this.model, service)] };
    const r = service.resilience;
    if (r.loadBalancer) config.loadBalancer = loadBalancerConfig(r.loadBalancer);
    if (r.circuitBreaker) {
      const outlier = outlierDetectionConfig(r.circuitBreaker);
      if (outlier) config.outlierDetection = outlier;
      const pool = connectionPoolConfig(r.circuitBreaker);
      if (pool) config.connectionPool = pool;
      if (r.circuitBreaker.ratio) config.ratioBreaker = { ...r.circuitBreaker.ratio };
    }
    this.entries.set(service.name, { key, config });
    return service.name;
  }

  /**
   * A further HTTP/gRPC port of a service (not its first): its own entry `<service>-<port>`,
   * reaching each pod's inbound listener for that port, with the service's load balancing and
   * circuit breaking (Envoy has a cluster per service port, `outbound|<port>|<subset>|<host>`).
   * Its hosts are only the port-qualified forms: a bare name means the first port, and the
   * proxy matches a bare host against an authority on any port, so these entries and their
   * routes come before the first port's (config.ts).
   */
  private addFurtherPort(service: Service, p: { port: Port; listener: number }, hosts: 'all' | 'none', at: At): string | undefined {
    const first = this.add(service, 'none', at);
    if (first === undefined) return undefined;
    const name = `${service.name}-${p.port.port}`;
    const key = `${serviceKey(service)}:${p.port.port}`;
    const portHosts = (): string[] => furtherPortHosts(this.model, service, p.port.port, this.callerNamespace);
    const existing = this.entries.get(name);
    if (existing) {
      if (existing.key !== key) {
        this.report('WEFT652', at, `port ${p.port.port} of "${serviceKey(service)}" and "${existing.key}" share the proxy name "${name}"; only "${existing.key}" is reachable`, `rename the service "${existing.key}", or change the port number`);
        return undefined;
      }
      if (hosts === 'all' && existing.config.hosts?.length === 0) existing.config.hosts = portHosts();
      return name;
    }
    const base = this.entries.get(first)!.config;
    const config: ServiceInput = {
      ...structuredClone(base),
      name,
      hosts: hosts === 'all' ? portHosts() : [],
      subsets: base.subsets.map((sub, i) => ({
        ...sub,
        // In Kubernetes (with discovery) each pod's listener for this port; a local resolver says where the port is.
        endpoints: this.discover ? (sub.endpoints ?? []).map((e) => ({ ...e, port: p.listener })) : this.resolve(service, service.versions[i]!, p.port.port),
        ...(sub.discovery?.type === 'dns' ? { discovery: { ...sub.discovery, port: p.listener } } : {}),
      })),
    };
    if (speaksHttp2(p.port)) config.protocol = 'http2';
    else delete config.protocol;
    this.entries.set(name, { key, config, furtherPort: true });
    return name;
  }

  /**
   * An external service the application calls over plain HTTP: with `HTTP_PROXY` set, those
   * requests reach the outbound listener, which forwards them to the declared hosts (DNS
   * resolution) or addresses (static). Undefined when the proxy cannot carry it (WEFT647).
   */
  addExternal(ext: ExternalService): string | undefined {
    const port = proxiedPort(ext);
    if (!port || ext.resolution === 'none') return undefined;
    const key = `${ext.namespace}/${ext.name}`;
    const existing = this.entries.get(ext.name);
    if (existing) {
      if (existing.key === key) return ext.name;
      this.report(
        'WEFT652',
        ext,
        `external service "${key}" and "${existing.key}" share the short name "${ext.name}", which names services in a weft proxy config; only "${existing.key}" is reachable`,
        'rename one of the two',
      );
      return undefined;
    }
    const addresses = ext.resolution === 'static' ? ext.addresses : ext.hosts;
    this.entries.set(ext.name, {
      key,
      config: {
        name: ext.name,
        namespace: ext.namespace,
        hosts: ext.hosts.flatMap((h) => [h, `${h}:${port.port}`]),
        ...(speaksHttp2(port) ? { protocol: 'http2' as const } : {}),
        subsets: [{ name: EXTERNAL_SUBSET, endpoints: addresses.map((address) => ({ address, port: port.targetPort })) }],
      },
    });
    return ext.name;
  }

  /**
   * The TCP ports of an external service the application reaches through `HTTPS_PROXY` (TLS it
   * originates itself, or raw TCP): per port, a service with the declared endpoints (hosts for
   * DNS resolution, addresses for static, the hosts themselves for `none`) and a TCP route that
   * a CONNECT to `<host>:<port>` opens — TLS passes through end to end, with the client's SNI
   * (Istio's `tls` ServiceEntry ports behave alike). Empty when nothing can be addressed (a
   * wildcard host with resolution `none`: WEFT647).
   * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/#access-an-external-https-service
   */
  addExternalTunnels(ext: ExternalService): TcpRouteInput[] {
    if (!isTunneledExternal(ext)) return [];
    const ports = ext.ports.filter((p) => p.protocol === 'tcp');
    const routes: TcpRouteInput[] = [];
    for (const port of ports) {
      const name = ports.length > 1 || this.entries.has(ext.name) ? `${ext.name}-${port.port}` : ext.name;
      const key = `${ext.namespace}/${ext.name}:${port.port}`;
      const existing = this.entries.get(name);
      if (existing && existing.key !== key) continue;
      const addresses = ext.resolution === 'static' ? ext.addresses : ext.hosts;
      if (!existing) {
        this.entries.set(name, {
          key,
          // No HTTP host reaches it: only the tunnel below does.
          config: { name, namespace: ext.namespace, hosts: [], subsets: [{ name: EXTERNAL_SUBSET, endpoints: addresses.map((address) => ({ address, port: port.targetPort })) }] },
        });
      }
      routes.push({ name: key, connectAuthorities: ext.hosts.map((h) => `${h.toLowerCase()}:${port.port}`), destinations: [{ service: name, subset: EXTERNAL_SUBSET }] });
    }
    return routes;
  }

  /** Further-port entries first: their hosts are port-qualified, while a bare host of another entry matches an authority on any port. */
  list(): ServiceInput[] {
    const all = [...this.entries.values()];
    return [...all.filter((e) => e.furtherPort), ...all.filter((e) => !e.furtherPort)].map((e) => e.config);
  }
}
