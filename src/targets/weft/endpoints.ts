import type { MeshModel } from '../../model/mesh';
import type { Service, Version } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { PROXY_PORTS } from './constants';
import { kubernetesEndpoint, perVersionHost } from './per-version-service';

/** One static endpoint of a subset, as the proxy config takes it. */
export interface EndpointSpec {
  address: string;
  port: number;
  /** Load-balancing weight; 1 when absent. */
  weight?: number;
}

type SubsetInput = NonNullable<ProxyConfigInput['services']>[number]['subsets'][number];

/** Dynamic endpoints of a version's subset, if any. */
export type SubsetDiscovery = (service: Service, version: Version) => SubsetInput['discovery'] | undefined;

/**
 * In Kubernetes: the pods of a version, from the A records of its headless per-version Service
 * (`<service>-<version>.<ns>.svc.<domain>`), re-resolved on their TTL (kube-dns/CoreDNS answer
 * with a 5 s TTL for headless Services by default). The pods are reached on their inbound
 * listener directly: load balancing and outlier detection are per pod, as in Envoy.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
 */
export function kubernetesDiscovery(model: Pick<MeshModel, 'clusterDomain'>): SubsetDiscovery {
  return (service, version) => (kubernetesEndpoint(model, service, version) ? { type: 'dns', host: perVersionHost(model, service, version), port: PROXY_PORTS.inbound } : undefined);
}

/**
 * Where a version of a service is reached from a caller's proxy: on its first HTTP port, or on
 * the further HTTP port `servicePort` (each has its own inbound listener). The weft target uses
 * the Kubernetes resolver; a local mesh (proxies and workloads on loopback) passes its own.
 */
export type EndpointResolver = (service: Service, version: Version, servicePort?: number) => EndpointSpec[];

/**
 * In Kubernetes: the version's per-version Service, weighted by its replica count, so that a
 * destination without a subset (every endpoint of the service) spreads requests over versions
 * in proportion to their pods, as the service's own ClusterIP would. Under autoscaling the
 * replica count is the HPA's, unknown at compile time: every version then weighs 1. A version
 * scaled to zero has no endpoint (requests to it fail with 503 "no healthy upstream", as they
 * would reach no pod through Kubernetes).
 */
export function kubernetesResolver(model: Pick<MeshModel, 'clusterDomain'>): EndpointResolver {
  return (service, version) => {
    const endpoint = kubernetesEndpoint(model, service, version);
    if (!endpoint) return [];
    if (service.autoscaling) return [endpoint];
    if (version.replicas === 0) return [];
    return [version.replicas > 1 ? { ...endpoint, weight: version.replicas } : endpoint];
  };
}
