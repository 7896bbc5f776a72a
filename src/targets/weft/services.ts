import { serviceKey } from '../../model/common';
import type { ExternalService, MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import type { At } from '../../analyze/rule';
import { connectionPoolConfig, outlierDetectionConfig } from './circuit-breaker';
import type { EndpointResolver } from './endpoints';
import { serviceHosts } from './hosts';
import { loadBalancerConfig } from './load-balancer';
import { proxiedPort } from './ports';
import type { Reporter } from './reporter';

export type ServiceInput = NonNullable<ProxyConfigInput['services']>[number];

/** Subset name of an external service's endpoints (it has no versions). */
export const EXTERNAL_SUBSET = 'external';

/**
 * The `services` of one workload's config, keyed by short name (the proxy's service name and
 * its `destination_service_name` label). Entries keep the order they were first needed in:
 * called services in `calls` order, then services reached only as a route destination or mirror.
 */
export class ServiceTable {
  private readonly entries = new Map<string, { key: string; config: ServiceInput }>();

  constructor(
    private readonly model: MeshModel,
    private readonly callerNamespace: string,
    private readonly resolve: EndpointResolver,
    private readonly reporter: Reporter,
  ) {}

  /**
   * The proxy name of `service`, adding it when first needed; undefined when the proxy cannot
   * carry traffic to it (no HTTP port — reported per service as WEFT643 —, no versions, or a
   * short name already taken by another service).
   * `hosts`: the authorities that reach it when no route matches; `[]` keeps it reachable only
   * through routes (unmatched requests then get 404 NR, as with an Istio VirtualService).
   */
  add(service: Service, hosts: 'all' | 'none', at: At): string | undefined {
    const port = proxiedPort(service);
    if (!port) return undefined;
    if (service.versions.length === 0) {
      this.reporter.report(
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
        this.reporter.report(
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
      subsets: service.versions.map((v) => ({ name: v.name, endpoints: this.resolve(service, v) })),
    };
    const r = service.resilience;
    if (r.loadBalancer) config.loadBalancer = loadBalancerConfig(r.loadBalancer);
    if (r.circuitBreaker) {
      const outlier = outlierDetectionConfig(r.circuitBreaker);
      if (outlier) config.outlierDetection = outlier;
      const pool = connectionPoolConfig(r.circuitBreaker);
      if (pool) config.connectionPool = pool;
    }
    this.entries.set(service.name, { key, config });
    return service.name;
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
      this.reporter.report(
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
        subsets: [{ name: EXTERNAL_SUBSET, endpoints: addresses.map((address) => ({ address, port: port.targetPort })) }],
      },
    });
    return ext.name;
  }

  list(): ServiceInput[] {
    return [...this.entries.values()].map((e) => e.config);
  }
}
