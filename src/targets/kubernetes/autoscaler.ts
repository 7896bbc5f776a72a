import type { Chart } from 'cdk8s';
import type { Service, Version } from '../../model/service';
import type { EmitContext } from '../target';
import { versionSelector, workloadName } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import { PlainObject } from './plain-object';
import type { ScalingTarget } from './deployment';

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
export function emitAutoscaler(chart: Chart, ctx: EmitContext, service: Service, version: Version, deployment: ScalingTarget): void {
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
  // `autoscaling/v2` metrics, as cdk8s-plus's Metric.resourceCpu/resourceMemory with
  // MetricTarget.averageUtilization write them.
  const metrics: Record<string, unknown>[] = [];
  if (a.targetCpuPercent !== undefined) metrics.push(resourceMetric('cpu', a.targetCpuPercent));
  if (a.targetMemoryPercent !== undefined) metrics.push(resourceMetric('memory', a.targetMemoryPercent));
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
  // The Deployment leaves `replicas` to the autoscaler (cdk8s-plus's IScalable contract).
  deployment.markHasAutoscaler();
  new PlainObject(chart, `HorizontalPodAutoscaler:${service.namespace}:${name}`, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: objectMeta(ctx.model, service.name, name, service.namespace, SyncWave.workloads, versionSelector(service, version)),
    spec: {
      // cdk8s-plus's default scaling behaviour, kept as Weft has always written it: scale up
      // by at most 4 pods or 200% per minute, right away; scale down by at most minReplicas
      // pods per 5 minutes, after a 5-minute stabilization window.
      // @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
      behavior: {
        scaleDown: { policies: [{ periodSeconds: 300, type: 'Pods', value: a.minReplicas }], selectPolicy: 'Max', stabilizationWindowSeconds: 300 },
        scaleUp: {
          policies: [
            { periodSeconds: 60, type: 'Pods', value: 4 },
            { periodSeconds: 60, type: 'Percent', value: 200 },
          ],
          selectPolicy: 'Max',
          stabilizationWindowSeconds: 0,
        },
      },
      maxReplicas: a.maxReplicas,
      metrics,
      minReplicas: a.minReplicas,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
    },
  });
}

function resourceMetric(name: 'cpu' | 'memory', averageUtilization: number): Record<string, unknown> {
  return { resource: { name, target: { averageUtilization, type: 'Utilization' } }, type: 'Resource' };
}
