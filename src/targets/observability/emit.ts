import type { EmitContext, Manifest, TargetOutput } from '../target';
import { commonLabels } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import { dashboardConfigMap, meshDashboard, serviceDashboard } from './dashboards';
import { dialectFor } from './dialect';
import { measurableSlos } from './checks';
import { metricsOn, podMonitors } from './scrape';
import { sloRuleGroup } from './slo-rules';
import { sharedPart } from '../emit-memo';

/**
 * One environment's observability objects: a PodMonitor per namespace for the sidecars' metrics,
 * a PrometheusRule per service with SLOs (recording rules and burn-rate alerts), a Grafana
 * dashboard per service and one for the mesh. Metric names follow the environment's data plane
 * (dialect.ts). Nothing is written when the mesh's metrics are off and no service has an SLO.
 */
export function emitObservability(ctx: EmitContext): TargetOutput {
  const { model, env } = ctx;
  const dialect = dialectFor(env.mesh);
  const manifests: Manifest[] = [...podMonitors(model, env.mesh, ctx.index.namespaces())];
  const anyMetrics = model.services.some((s) => metricsOn(model, s));
  for (const service of model.services) {
    const slos = measurableSlos(ctx, service);
    if (slos.length > 0) {
      if (!metricsOn(model, service)) {
        ctx.report(
          'WEFT782',
          service,
          `service "${service.name}" declares SLOs but its metrics are off in environment "${env.name}": the alert rules are written, but there will be no series for them to evaluate`,
          'turn metrics on for the service (observability: { metrics: true }) or for the environment',
        );
      }
      if (dialect.name === 'consul') {
        ctx.report(
          'WEFT783',
          service,
          `in environment "${env.name}" (Consul) the SLOs of service "${service.name}" are computed from its callers' Envoy upstream statistics (envoy_cluster_upstream_rq_xx, envoy_cluster_upstream_rq_time); requests that reach it without passing a Consul Envoy are not counted`,
          'nothing to change if every caller is in the mesh or enters through a Consul gateway; otherwise also alert on the application\'s own metrics',
        );
      }
      manifests.push({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: `${service.name}-slo`, namespace: service.namespace, labels: commonLabels(model, 'slo'), annotations: syncWave(SyncWave.workloads) },
        // Everything sloRuleGroup reads, so that the overlay takes the environment's group (emit-memo.ts).
        spec: { groups: [sharedPart(ctx, `slo-rules|${service.namespace}|${service.name}`, [dialect, service.namespace, service.name, ...slos], () => sloRuleGroup(dialect, service, slos))] },
      });
    }
    if (metricsOn(model, service) && service.ports.some((p) => p.protocol !== 'tcp')) {
      // Everything serviceDashboard and ctx.json read, as for the rule group above.
      const text = sharedPart(ctx, `dashboard|${service.namespace}|${service.name}`, [ctx.json, model.name, dialect, service.namespace, service.name, ...slos], () => ctx.json(serviceDashboard(model, dialect, service, slos)));
      manifests.push(dashboardConfigMap(ctx, `grafana-dashboard-${service.name}`, service.namespace, text));
    }
  }
  const first = ctx.index.namespaces()[0];
  if (anyMetrics && first !== undefined) {
    manifests.push(dashboardConfigMap(ctx, `grafana-dashboard-mesh-${model.name}`, first, ctx.json(meshDashboard(model, dialect))));
  }
  return { manifests };
}
