import type { MeshModel } from '../../model/mesh';
import type { Service, Version } from '../../model/service';
import { workloadName } from '../../model/names';
import { PROXY_PORTS } from './constants';
import { proxiedPort } from './ports';

/**
 * Every version has a headless Service, `<service>-<version>`, that selects its pods by `app` +
 * `version`: its DNS name resolves to the ready pods' addresses, which the caller's proxy
 * re-resolves on TTL (endpoints.ts `kubernetesDiscovery`). The caller's proxy then picks the
 * version (splits, subset routes) and the pod (load balancing, outlier detection per pod), as
 * Envoy does with EDS; kube-proxy is not involved.
 */
export function perVersionServiceName(service: Pick<Service, 'name'>, version: Pick<Version, 'name'>): string {
  return workloadName(service, version);
}

/** `<service>-<version>.<namespace>.svc.<clusterDomain>`: the name whose A records are the subset's pods. */
export function perVersionHost(model: Pick<MeshModel, 'clusterDomain'>, service: Pick<Service, 'name' | 'namespace'>, version: Pick<Version, 'name'>): string {
  return `${perVersionServiceName(service, version)}.${service.namespace}.svc.${model.clusterDomain}`;
}

/**
 * The static endpoint callers' proxies start with, until the first DNS answer: the per-version
 * Service's name (the system resolver picks one of its pods) on the pods' inbound listener port
 * (a headless Service has no port translation).
 */
export function kubernetesEndpoint(model: Pick<MeshModel, 'clusterDomain'>, service: Service, version: Version): { address: string; port: number } | undefined {
  return proxiedPort(service) && { address: perVersionHost(model, service, version), port: PROXY_PORTS.inbound };
}
