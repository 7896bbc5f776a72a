import type { Chart } from 'cdk8s';
import type { Service } from '../../model/service';
import type { EmitContext } from '../target';
import { serviceSelector } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import { PlainObject } from './plain-object';

/**
 * A policy/v1 PodDisruptionBudget over every version of the service (`app=<service>`):
 * voluntary disruptions (node drains, upgrades) keep the service up during a canary too.
 * Kubernetes accepts one of `minAvailable` and `maxUnavailable`; with neither declared Weft
 * writes `maxUnavailable: 1`, the usual budget for a replicated service.
 * cdk8s-plus-27 has no PodDisruptionBudget construct, so this uses its generated L1 class.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export function emitDisruptionBudget(chart: Chart, ctx: EmitContext, service: Service): void {
  const b = service.disruptionBudget;
  if (!b) return;
  if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
    ctx.report({
      code: 'WEFT664',
      message: `the disruption budget of service "${service.name}" sets both minAvailable and maxUnavailable; Kubernetes accepts only one`,
      path: service.path,
      location: service.location,
      hint: 'keep either minAvailable or maxUnavailable',
    });
    return;
  }
  // An IntOrString: a count or a percentage, written as given.
  const amount = (v: number | string) => v;
  new PlainObject(chart, `PodDisruptionBudget:${service.namespace}:${service.name}`, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(ctx.model, service.name, service.name, service.namespace, SyncWave.workloads),
    spec: {
      selector: { matchLabels: serviceSelector(service) },
      ...(b.minAvailable !== undefined
        ? { minAvailable: amount(b.minAvailable) }
        : { maxUnavailable: amount(b.maxUnavailable ?? 1) }),
    },
  });
}
