import type { MeshModel } from '../../model/mesh';
import type { Service, Version } from '../../model/service';
import { kubernetesEndpoint } from './per-version-service';

/** One static endpoint of a subset, as the proxy config takes it. */
export interface EndpointSpec {
  address: string;
  port: number;
  /** Load-balancing weight; 1 when absent. */
  weight?: number;
}

/**
 * Where a version of a service is reached from a caller's proxy. The weft target uses the
 * Kubernetes resolver; a local mesh (proxies and workloads on loopback) passes its own.
 */
export type EndpointResolver = (service: Service, version: Version) => EndpointSpec[];

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
