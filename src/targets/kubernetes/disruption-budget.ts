import type { Service } from '../../model/service';
import type { EmitContext, Manifest } from '../target';
import { serviceSelector } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';

/**
 * A policy/v1 PodDisruptionBudget over every version of the service (`app=<service>`):
 * voluntary disruptions (node drains, upgrades) keep the service up during a canary too.
 * Kubernetes accepts one of `minAvailable` and `maxUnavailable`; with neither declared Weft
 * writes `maxUnavailable: 1`, the usual budget for a replicated service.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export function disruptionBudget(ctx: EmitContext, service: Service): Manifest | undefined {
  const b = service.disruptionBudget;
  if (!b) return undefined;
  if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
    ctx.report(
      'WEFT664',
      service,
      `the disruption budget of service "${service.name}" sets both minAvailable and maxUnavailable; Kubernetes accepts only one`,
      'keep either minAvailable or maxUnavailable',
    );
    return undefined;
  }
  // An IntOrString: a count or a percentage, written as given.
  const amount = (v: number | string) => v;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(ctx.model, service.name, service.name, service.namespace, SyncWave.workloads),
    spec: {
      selector: { matchLabels: serviceSelector(service) },
      ...(b.minAvailable !== undefined
        ? { minAvailable: amount(b.minAvailable) }
        : { maxUnavailable: amount(b.maxUnavailable ?? 1) }),
    },
  };
}
