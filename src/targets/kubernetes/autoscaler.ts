import type { Service, Version } from '../../model/service';
import type { EmitContext, Manifest, WorkloadWiring } from '../target';
import { versionSelector } from '../naming';
import { workloadName } from '../../model/names';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';

/**
 * An autoscaling/v2 HorizontalPodAutoscaler per version Deployment, scaling on average CPU
 * and/or memory utilization (of the application container when a sidecar runs beside it). Utilization is measured against the containers' resource
 * requests, so a target without requests is reported (WEFT660).
 *
 * The scaling behaviour is cdk8s-plus's explicit default (scale up by at most 4 pods or 200%
 * per minute; scale down after a 5-minute stabilization window), written out so that it does
 * not drift with the cluster's defaults.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
export function autoscaler(ctx: EmitContext, service: Service, version: Version, wiring: WorkloadWiring = {}): Manifest | undefined {
  const a = service.autoscaling;
  if (!a) return undefined;
  if (!writesAutoscaler(service)) {
    ctx.report(
      'WEFT663',
      service,
      `autoscaling of service "${service.name}" has minReplicas ${a.minReplicas} above maxReplicas ${a.maxReplicas}`,
      'make minReplicas at most maxReplicas',
    );
    return undefined;
  }
  // `autoscaling/v2` metrics, as cdk8s-plus's Metric.resourceCpu/resourceMemory (or, beside a
  // sidecar, Metric.containerCpu/containerMemory) with MetricTarget.averageUtilization write them.
  const container = sidecarBeside(wiring) ? service.name : undefined;
  const metrics: Record<string, unknown>[] = [];
  if (a.targetCpuPercent !== undefined) metrics.push(resourceMetric('cpu', a.targetCpuPercent, container));
  if (a.targetMemoryPercent !== undefined) metrics.push(resourceMetric('memory', a.targetMemoryPercent, container));
  const missing = [
    ...(a.targetCpuPercent !== undefined && !version.resources?.requests?.cpu ? ['cpu'] : []),
    ...(a.targetMemoryPercent !== undefined && !version.resources?.requests?.memory ? ['memory'] : []),
  ];
  if (missing.length > 0) {
    ctx.report(
      'WEFT660',
      version,
      `version "${version.name}" of service "${service.name}" autoscales on ${missing.join(' and ')} utilization but requests no ${missing.join(' or ')}; the autoscaler cannot compute utilization and will not scale`,
      `set resources.requests.${missing[0]} on the version`,
    );
  }
  const name = workloadName(service, version);
  return {
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
  };
}

/**
 * Whether the service's versions get an autoscaler. Their Deployments then leave `replicas` to
 * it: writing it would make every Argo CD sync reset the scale.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
 */
export function writesAutoscaler(service: Service): boolean {
  const a = service.autoscaling;
  return a !== undefined && a.minReplicas <= a.maxReplicas;
}

/**
 * A `Resource` metric averages the usage of all the pod's containers over the sum of their
 * requests, so a sidecar (its own requests, its own load) blurs the application's utilization:
 * an idle proxy with a generous request hides a busy application. Beside a sidecar the metric
 * is a `ContainerResource` of the application container alone (autoscaling/v2; beta and on by
 * default since Kubernetes 1.27, GA in 1.30).
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#container-resource-metrics
 */
function resourceMetric(name: 'cpu' | 'memory', averageUtilization: number, container: string | undefined): Record<string, unknown> {
  const target = { averageUtilization, type: 'Utilization' };
  if (container !== undefined) return { containerResource: { container, name, target }, type: 'ContainerResource' };
  return { resource: { name, target }, type: 'Resource' };
}

/** Whether the pod runs a sidecar beside the application: one the wiring adds, or one the mesh injects at admission. */
function sidecarBeside(wiring: WorkloadWiring): boolean {
  return (wiring.containers?.length ?? 0) > 0 || wiring.injectsSidecar === true;
}
