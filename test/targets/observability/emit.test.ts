import { describe, expect, it } from 'vitest';
import { schemaCheck } from '../../../src/synth/schema-check';
import { BURN_RATE_ALERTS, WINDOWS } from '../../../src/targets/observability/index';
import { emit, find, sloMesh } from './helpers';

describe('observability target', () => {
  it('writes a PrometheusRule per service with SLOs: request rate, error ratios per window, four burn-rate alerts per SLO', () => {
    const { manifests, diagnostics } = emit(sloMesh(), 'prod');
    expect(diagnostics).toEqual([]);
    const rule = find(manifests, 'PrometheusRule', 'app-slo');
    expect(rule.metadata.namespace).toBe('storefront');
    const rules = rule.spec.groups[0].rules as any[];
    const records = rules.filter((r) => r.record);
    const alerts = rules.filter((r) => r.alert);
    expect(records.filter((r) => r.labels.slo === 'availability').map((r) => r.record)).toEqual(WINDOWS.map((w) => `weft_slo:error_ratio:rate${w}`));
    expect(alerts).toHaveLength(2 * BURN_RATE_ALERTS.length);
    const page = alerts.find((a) => a.labels.slo === 'availability' && a.labels.burn_rate === '14.4');
    // 14.4 × (1 − 0.999) over 1 h and 5 m, per the SRE workbook.
    expect(page.expr).toBe(
      'weft_slo:error_ratio:rate1h{namespace="storefront",service="app",slo="availability"} > 0.0144\nand\nweft_slo:error_ratio:rate5m{namespace="storefront",service="app",slo="availability"} > 0.0144',
    );
    expect(page.labels.severity).toBe('page');
    const latency5m = records.find((r) => r.labels.slo === 'latency' && r.record.endsWith('rate5m'));
    expect(latency5m.expr).toContain('istio_request_duration_milliseconds_bucket{reporter="destination",destination_service_namespace="storefront",destination_service_name="app",le="250"}');
    expect(records.find((r) => r.record === 'weft_service:requests:rate5m').expr).toBe(
      'sum(rate(istio_requests_total{reporter="destination",destination_service_namespace="storefront",destination_service_name="app"}[5m]))',
    );
  });

  it('builds the same rules on Consul Envoy metric names and says that they are the callers\' view (WEFT783)', () => {
    const { manifests, diagnostics } = emit(sloMesh(), 'staging');
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT783']);
    const rules = find(manifests, 'PrometheusRule', 'app-slo').spec.groups[0].rules as any[];
    const availability = rules.find((r) => r.labels.slo === 'availability' && r.record?.endsWith('rate1h'));
    expect(availability.expr).toBe(
      'sum(rate(envoy_cluster_upstream_rq_xx{consul_destination_service="app",envoy_response_code_class="5"}[1h])) / sum(rate(envoy_cluster_upstream_rq_xx{consul_destination_service="app"}[1h]))',
    );
    expect(rules.find((r) => r.labels.slo === 'latency' && r.record?.endsWith('rate1h')).expr).toContain('envoy_cluster_upstream_rq_time_bucket{consul_destination_service="app",le="250"}');
    expect(find(manifests, 'PodMonitor', 'consul-sidecars').spec.podMetricsEndpoints).toEqual([{ targetPort: 20200, path: '/metrics', interval: '15s' }]);
  });

  it('scrapes each data plane\'s sidecar metrics endpoint with a PodMonitor per namespace', () => {
    expect(find(emit(sloMesh(), 'dev').manifests, 'PodMonitor', 'weft-sidecars').spec).toEqual({
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['app', 'db'] }] },
      namespaceSelector: { matchNames: ['storefront'] },
      podMetricsEndpoints: [{ port: 'weft-admin', path: '/metrics', interval: '15s' }],
    });
    expect(find(emit(sloMesh(), 'prod').manifests, 'PodMonitor', 'istio-sidecars').spec.podMetricsEndpoints).toEqual([{ port: 'http-envoy-prom', path: '/stats/prometheus', interval: '15s' }]);
  });

  it('reports a latency threshold that is not a bucket boundary with the nearest boundaries (WEFT780), and writes no rule for it', () => {
    const { manifests, diagnostics } = emit(sloMesh({ latencyThreshold: '300ms' }), 'prod');
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT780', 'error']]);
    expect(diagnostics[0]!.message).toContain('the nearest boundaries are 250 ms and 500 ms');
    expect(diagnostics[0]!.path).toBe('shop/storefront/app/slo:latency');
    expect(diagnostics[0]!.location?.line).toBeGreaterThan(0);
    const rules = find(manifests, 'PrometheusRule', 'app-slo').spec.groups[0].rules as any[];
    expect(rules.some((r) => r.labels.slo === 'latency')).toBe(false);
  });

  it('reports SLOs on a TCP-only service (WEFT781), a short window (WEFT784) and metrics switched off (WEFT782)', () => {
    expect(emit(sloMesh({ tcpSlo: true }), 'prod').diagnostics.map((d) => d.code)).toEqual(['WEFT781']);
    expect(emit(sloMesh({ windowDays: 1 }), 'prod').diagnostics.map((d) => d.code)).toEqual(['WEFT784']);
    const off = emit(sloMesh({ metrics: false }), 'prod');
    expect(off.diagnostics.map((d) => d.code)).toEqual(['WEFT782']);
    expect(off.manifests.map((m) => m.kind)).toEqual(['PrometheusRule']);
  });

  it('ships Grafana dashboards per service and for the mesh in ConfigMaps labelled for the sidecar', () => {
    const { manifests } = emit(sloMesh(), 'prod');
    const cm = find(manifests, 'ConfigMap', 'grafana-dashboard-app');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data!['grafana-dashboard-app.json']!);
    const titles = dash.panels.map((p: any) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Requests per second by version', 'Requests per second by response code', 'Error ratio (5xx)', 'Latency p50 / p90 / p99 by version']));
    expect(titles.filter((t: string) => t.includes('error budget remaining'))).toHaveLength(2);
    const latency = dash.panels.find((p: any) => p.title.startsWith('Latency'));
    expect(latency.targets.map((t: any) => t.expr)[2]).toContain('histogram_quantile(0.99, sum by (le, destination_version)');
    const budget = dash.panels.find((p: any) => p.title.startsWith('SLO "availability": error budget'));
    expect(budget.targets[0].expr).toContain('[28d]');
    expect(budget.targets[0].expr).toMatch(/\/ 0\.001\)$/);
    const mesh = find(manifests, 'ConfigMap', 'grafana-dashboard-mesh-shop');
    expect(JSON.parse(mesh.data!['grafana-dashboard-mesh-shop.json']!).panels).toHaveLength(3);
    expect(manifests.some((m) => m.metadata.name === 'grafana-dashboard-db')).toBe(false); // TCP only: no request metrics
  });

  it('passes the Prometheus Operator and Kubernetes schemas', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const { manifests } = emit(sloMesh(), env);
      const checked = schemaCheck(manifests, env);
      expect(checked.diagnostics).toEqual([]);
      expect(checked.unchecked).toEqual([]);
    }
  });

  it('rejects a malformed PrometheusRule in the schema check (the validator is live)', () => {
    const bad = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x', namespace: 'y' }, spec: { groups: [{ name: 'g', rules: [{ record: 'r' }] }] } };
    expect(schemaCheck([bad], 'prod').diagnostics.map((d) => d.code)).toEqual(['WEFT690']);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(emit(sloMesh(), 'prod').manifests)).toBe(JSON.stringify(emit(sloMesh(), 'prod').manifests));
  });
});
