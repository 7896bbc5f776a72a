import type { MeshModel } from '../../model/mesh';
import { workloadName } from '../../model/names';

/** One entry of `spec.ignoreDifferences`. @see https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/ */
export interface IgnoreDifference {
  group: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
}

/**
 * Fields that a controller owns after apply, so that a synced mesh does not show OutOfSync
 * forever (argo-cd#9323, #25447) and a sync does not fight the controller.
 *
 * Only fields of objects Weft writes and that something in the cluster changes belong here:
 * every entry hides a real difference, so the list is as short as the mutations are.
 * Argo CD's default diff is a three-way merge against the last applied state, so fields only a
 * controller or webhook *adds* (the sidecar injector's containers are added to Pods, not to the
 * Deployments Weft writes; the API server's defaults; `status`) never show as differences. What
 * does show is a field Weft writes and a controller *changes*:
 *
 * - `Deployment.spec.replicas` of an autoscaled service: the HorizontalPodAutoscaler owns it.
 *   Weft leaves `replicas` out of such a Deployment, but the Deployment of a service that has
 *   just become autoscaled was last applied with it; without the entry (and
 *   `RespectIgnoreDifferences=true`, see sync-policy.ts) Argo CD would remove the field and the
 *   Deployment would drop to one replica before the HPA scales it back.
 *   @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
 *
 * The webhook-populated `caBundle` of (Mutating|Validating)WebhookConfigurations and Istio's
 * validating webhook `failurePolicy` (argo-cd#25447) are the classic cases, but they belong to
 * the Application that installs the mesh: Weft writes no webhook configurations, and an entry
 * for a kind the Application does not hold would only be noise. docs/gitops.md lists both.
 */
export function ignoreDifferences(model: MeshModel): IgnoreDifference[] {
  const out: IgnoreDifference[] = [];
  for (const s of model.services) {
    if (!s.autoscaling) continue;
    for (const v of s.versions)
      out.push({ group: 'apps', kind: 'Deployment', name: workloadName(s, v), namespace: s.namespace, jsonPointers: ['/spec/replicas'] });
  }
  // Code-point order: the same bytes on every machine, whatever its locale.
  return out.sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
}
