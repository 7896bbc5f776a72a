import type { MeshModel } from '../model/mesh';
import type { Service, Version } from '../model/service';

/**
 * Names and labels every target agrees on. They come from the model, never from hashes, so
 * that a pull request shows a rename as a rename.
 */

/**
 * Pod labels that select one version. `app` and `version` are the labels Istio's telemetry and
 * subsets use.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#pod-labels
 */
export function versionSelector(service: Pick<Service, 'name'>, version: Pick<Version, 'name'>): Record<string, string> {
  return { app: service.name, version: version.name };
}

/** Labels that select every version of a service. */
export function serviceSelector(service: Pick<Service, 'name'>): Record<string, string> {
  return { app: service.name };
}

/** Recommended Kubernetes labels on every object Weft writes. */
export function commonLabels(model: Pick<MeshModel, 'name'>, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'weft',
    'app.kubernetes.io/part-of': model.name,
    'app.kubernetes.io/name': component,
  };
}

/** The workload identity as a SPIFFE principal without the `spiffe://` scheme (Istio's form). */
export function principalOf(model: Pick<MeshModel, 'trustDomain'>, service: Pick<Service, 'namespace' | 'serviceAccount'>): string {
  return `${model.trustDomain}/ns/${service.namespace}/sa/${service.serviceAccount}`;
}
