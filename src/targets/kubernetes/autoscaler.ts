import type { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Service, Version } from '../../model/service';
import type { EmitContext } from '../target';
import { versionSelector, workloadName } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';

/**
 * An autoscaling/v2 HorizontalPodAutoscaler per version Deployment, scaling on average CPU
 * and/or memory utilization. Utilization is measured against the containers' resource
 * requests, so a target without requests is reported (WEFT660).
 *
 * The scaling behaviour is cdk8s-plus's explicit default (scale up by at most 4 pods or 200%
 * per minute; scale down after a 5-minute stabilization window), written out so that it does
 * not drift with the cluster's defaults.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
export function emitAutoscaler(chart: Chart, ctx: EmitContext, service: Service, version: Version, deployment: kplus.Deployment): void {
  const a = service.autoscaling;
  if (!a) return;
  if (a.minReplicas > a.maxReplicas) {
    ctx.report({
      code: 'WEFT663',
      message: `autoscaling of service "${service.name}" has minReplicas ${a.minReplicas} above maxReplicas ${a.maxReplicas}`,
      path: service.path,
      location: service.location,
      hint: 'make minReplicas at most maxReplicas',
    });
    return;
  }
  const metrics: kplus.Metric[] = [];
  if (a.targetCpuPercent !== undefined) metrics.push(kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(a.targetCpuPercent)));
  if (a.targetMemoryPercent !== undefined) metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(a.targetMemoryPercent)));
  const missing = [
    ...(a.targetCpuPercent !== undefined && !version.resources?.requests?.cpu ? ['cpu'] : []),
    ...(a.targetMemoryPercent !== undefined && !version.resources?.requests?.memory ? ['memory'] : []),
  ];
  if (missing.length > 0) {
    ctx.report({
      code: 'WEFT660',
      message: `version "${version.name}" of service "${service.name}" autoscales on ${missing.join(' and ')} utilization but requests no ${missing.join(' or ')}; the autoscaler cannot compute utilization and will not scale`,
      path: version.path,
      location: version.location,
      hint: `set resources.requests.${missing[0]} on the version`,
    });
  }
  const name = workloadName(service, version);
  new kplus.HorizontalPodAutoscaler(chart, `HorizontalPodAutoscaler:${service.namespace}:${name}`, {
    metadata: objectMeta(ctx.model, service.name, name, service.namespace, SyncWave.workloads, versionSelector(service, version)),
    target: deployment,
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    metrics,
  });
}
