import type { MeshModel } from '../../model/mesh';
import type { Service, Version } from '../../model/service';
import { workloadName } from '../naming';
import { proxiedPort } from './ports';

/**
 * Until the proxy discovers endpoints (part 2: DNS / Consul), every subset has exactly one static
 * endpoint: a ClusterIP Service per version, `<service>-<version>`, that selects the version's
 * pods by `app` + `version`. The caller's proxy picks the version (splits, subset routes, retries,
 * timeouts, outlier detection per version); kube-proxy then picks the pod.
 */
export function perVersionServiceName(service: Pick<Service, 'name'>, version: Pick<Version, 'name'>): string {
  return workloadName(service, version);
}

/** `<service>-<version>.<namespace>.svc.<clusterDomain>`: the subset's single endpoint. */
export function perVersionHost(model: Pick<MeshModel, 'clusterDomain'>, service: Pick<Service, 'name' | 'namespace'>, version: Pick<Version, 'name'>): string {
  return `${perVersionServiceName(service, version)}.${service.namespace}.svc.${model.clusterDomain}`;
}

/**
 * The endpoint callers' proxies use for one version: the per-version Service's DNS name and its
 * port, which is the service's proxied port number (the per-version Service mirrors the main
 * Service, so `<svc>-<v>:8080` means what `<svc>:8080` means; both target the inbound listener).
 */
export function kubernetesEndpoint(model: Pick<MeshModel, 'clusterDomain'>, service: Service, version: Version): { address: string; port: number } | undefined {
  const port = proxiedPort(service);
  return port && { address: perVersionHost(model, service, version), port: port.port };
}
