import type { MeshModel } from '../../model/mesh';
import { ISTIO_ROOT_NAMESPACE } from './common';

/**
 * The Sidecar egress host (`<namespace>/<dnsName>`) of the tracing collector. Istio's sidecars
 * export spans themselves, through a cluster istiod builds only for hosts in the Sidecar's egress:
 * with a collector missing from it Envoy logs "cluster … is not configured" and every span is
 * dropped (istio/istio#53701, whose fix is the egress entry written here).
 * - `tracing.collector`, else the host of `tracing.otlpEndpoint`: `<name>.<namespace>` or
 *   `<name>.<namespace>.svc[.<clusterDomain>]` is the Service's full name in its namespace; any
 *   other host is outside the cluster, reachable through a ServiceEntry in any namespace (`*`);
 * - neither declared: every Service of `istio-system`, where Istio's Jaeger and Zipkin addons
 *   (and most installs' collectors) run.
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
 * @see https://github.com/istio/istio/issues/53701
 */
export function collectorEgressHost(model: Pick<MeshModel, 'clusterDomain'>, tracing: NonNullable<MeshModel['observability']['tracing']>): string {
  const host = tracing.collector ?? hostOf(tracing.otlpEndpoint);
  if (host === undefined) return `${ISTIO_ROOT_NAMESPACE}/*`;
  const labels = host.split('.');
  const inCluster = labels.length === 2 || (labels.length >= 3 && labels[2] === 'svc' && (labels.length === 3 || labels.slice(3).join('.') === model.clusterDomain));
  if (!inCluster) return `*/${host}`;
  const [name, namespace] = labels as [string, string];
  return `${namespace}/${name}.${namespace}.svc.${model.clusterDomain}`;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined; // the constructs validate the URL; nothing to derive from one that is not
  }
}
