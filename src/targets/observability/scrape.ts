import type { MeshFlavour, MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { commonLabels } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import type { Manifest } from '../target';

/**
 * Where each data plane's sidecar serves Prometheus metrics:
 * - weft: the proxy's admin port (`weft-admin`, 15000) at `/metrics` (src/proxy/server/admin.ts);
 * - istio: the `istio-proxy` container's `http-envoy-prom` port (15090) at `/stats/prometheus`;
 * - consul: consul-k8s's merged metrics endpoint, port 20200 at `/metrics` (the Helm default of
 *   `connectInject.metrics.defaultPrometheusScrapePort`); consul-dataplane declares no named
 *   container port for it, so the endpoint names the number (`targetPort`).
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#option-2-customized-scraping-configurations
 * @see https://developer.hashicorp.com/consul/docs/observe/telemetry/k8s
 */
const ENDPOINTS: Readonly<Record<MeshFlavour, Record<string, unknown>>> = {
  weft: { port: 'weft-admin', path: '/metrics' },
  istio: { port: 'http-envoy-prom', path: '/stats/prometheus' },
  consul: { targetPort: 20200, path: '/metrics' },
};

/** Whether a service's proxies export metrics (its own switch, else the mesh's). */
export function metricsOn(model: MeshModel, service: Service): boolean {
  return service.observability.metrics ?? model.observability.metrics;
}

/**
 * One PodMonitor per namespace that scrapes the sidecars of the services whose metrics are on,
 * selected by their `app` label (every Weft workload has one). A PodMonitor rather than a
 * ServiceMonitor: the sidecar's metrics port is on the pod, not on the application's Service.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
export function podMonitors(model: MeshModel, mesh: MeshFlavour, namespaces: readonly string[]): Manifest[] {
  // One pass over the services (synth stays linear in their number).
  const appsByNamespace = new Map<string, Set<string>>();
  for (const s of model.services) if (metricsOn(model, s)) appsByNamespace.set(s.namespace, (appsByNamespace.get(s.namespace) ?? new Set()).add(s.name));
  const out: Manifest[] = [];
  for (const namespace of namespaces) {
    const apps = [...(appsByNamespace.get(namespace) ?? [])];
    if (apps.length === 0) continue;
    out.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: `${mesh}-sidecars`, namespace, labels: commonLabels(model, 'metrics'), annotations: syncWave(SyncWave.workloads) },
      spec: {
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: apps.sort() }] },
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [{ ...ENDPOINTS[mesh], interval: '15s' }],
      },
    });
  }
  return out;
}
