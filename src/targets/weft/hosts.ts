import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { canonicalHost, serviceOfHost } from '../../model/hosts';

/**
 * The authorities under which a caller in `callerNamespace` reaches `service`: `name.ns`,
 * `name.ns.svc`, the FQDN, and the bare `name` only from the service's own namespace (that is
 * what the pod's DNS search path resolves; with `HTTP_PROXY` the client does not resolve the name
 * itself, but accepting a short name across namespaces would make code work under weft that
 * fails under Istio or plain Kubernetes). Each with and without the service port, as Istio's
 * generated virtual hosts list them.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
 */
export function serviceHosts(
  model: Pick<MeshModel, 'clusterDomain'>,
  service: Pick<Service, 'name' | 'namespace'>,
  port: number | undefined,
  callerNamespace: string,
): string[] {
  const names = [
    ...(service.namespace === callerNamespace ? [service.name] : []),
    `${service.name}.${service.namespace}`,
    `${service.name}.${service.namespace}.svc`,
    `${service.name}.${service.namespace}.svc.${model.clusterDomain}`,
  ];
  return names.flatMap((n) => (port === undefined ? [n] : [n, `${n}:${port}`]));
}

/**
 * A route's hosts as the caller's proxy matches them: a host that names a declared service (in
 * any of its forms) becomes every form of that service; any other host (an external name, a
 * wildcard) is kept as declared.
 */
export function routeHosts(
  model: MeshModel,
  hosts: readonly string[],
  ownerNamespace: string,
  callerNamespace: string,
  portOf: (service: Service) => number | undefined,
): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const target = serviceOfHost(canonicalHost(h, ownerNamespace, model), model);
    const forms = target ? serviceHosts(model, target, portOf(target), callerNamespace) : [h.toLowerCase()];
    for (const f of forms) if (!out.includes(f)) out.push(f);
  }
  return out;
}

/**
 * The authorities of a further HTTP port of a service (not its first): only the port-qualified
 * forms. A bare name is the first port's (HTTP's default port is implied by a Host without one).
 */
export function furtherPortHosts(model: Pick<MeshModel, 'clusterDomain'>, service: Pick<Service, 'name' | 'namespace'>, port: number, callerNamespace: string): string[] {
  return serviceHosts(model, service, port, callerNamespace).filter((h) => h.endsWith(`:${port}`));
}
