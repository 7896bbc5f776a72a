import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { commonLabels } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import type { EmitContext, Manifest } from '../target';
import type { Slo } from '../../model/observability';
import { errorBudget } from './burn-rates';
import type { MetricDialect } from './dialect';
import { errorRatioExpr, errorRatioRecord } from './slo-rules';

/**
 * Grafana dashboards as JSON (dashboard schema as Grafana 10/11 exports it), shipped in
 * ConfigMaps that Grafana's dashboard sidecar (kiwigrid k8s-sidecar, as the Grafana Helm chart
 * and kube-prometheus-stack run it) loads by the label `grafana_dashboard: "1"`.
 * @see https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-dashboards
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */
const SIDECAR_LABEL = { grafana_dashboard: '1' };

type Panel = Record<string, unknown>;
interface Target {
  expr: string;
  legendFormat: string;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function panel(id: number, title: string, kind: 'timeseries' | 'stat', unit: string, targets: Target[], pos: { x: number; y: number; w: number; h: number }): Panel {
  return {
    id,
    type: kind,
    title,
    datasource: DATASOURCE,
    gridPos: pos,
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legendFormat })),
  };
}

function dashboard(uid: string, title: string, tags: string[], panels: Panel[]): Record<string, unknown> {
  return {
    uid,
    title,
    tags,
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }] },
    panels,
  };
}

/** Grafana caps a dashboard uid at 40 characters. */
function uidOf(...parts: string[]): string {
  return parts.join('-').slice(0, 40);
}

/**
 * Per service: request rate by version and by response code, 5xx ratio, p50/p90/p99 latency by
 * version, and for each SLO the share of its error budget left over the SLO window.
 */
export function serviceDashboard(model: MeshModel, dialect: MetricDialect, service: Service, slos: readonly Slo[]): Record<string, unknown> {
  const v = dialect.versionLabel;
  const panels: Panel[] = [
    panel(1, 'Requests per second by version', 'timeseries', 'reqps', [{ expr: dialect.requestsBy(service, '5m', [v]), legendFormat: `{{${v}}}` }], { x: 0, y: 0, w: 12, h: 8 }),
    panel(2, 'Requests per second by response code', 'timeseries', 'reqps', [{ expr: dialect.requestsBy(service, '5m', [dialect.codeLabel]), legendFormat: `{{${dialect.codeLabel}}}` }], { x: 12, y: 0, w: 12, h: 8 }),
    panel(3, 'Error ratio (5xx)', 'timeseries', 'percentunit', [{ expr: `${dialect.serverErrors(service, '5m')} / ${dialect.requests(service, '5m')}`, legendFormat: '5xx' }], { x: 0, y: 8, w: 12, h: 8 }),
    panel(
      4,
      'Latency p50 / p90 / p99 by version',
      'timeseries',
      'ms',
      [0.5, 0.9, 0.99].map((q) => ({ expr: dialect.latencyQuantile(service, q, '5m', [v]), legendFormat: `p${Math.round(q * 100)} {{${v}}}` })),
      { x: 12, y: 8, w: 12, h: 8 },
    ),
  ];
  slos.forEach((slo, i) => {
    const budget = errorBudget(slo.objective.targetPercent);
    const window = `${slo.windowDays}d`;
    panels.push(
      panel(10 + 2 * i, `SLO "${slo.name}": error budget remaining (${slo.windowDays} d)`, 'stat', 'percentunit', [{ expr: `1 - ((${errorRatioExpr(dialect, service, slo, window)}) / ${budget})`, legendFormat: slo.name }], { x: 0, y: 16 + 8 * i, w: 8, h: 8 }),
      panel(11 + 2 * i, `SLO "${slo.name}": error ratio, 1 h and 5 m windows`, 'timeseries', 'percentunit', (['1h', '5m'] as const).map((w) => ({ expr: `${errorRatioRecord(w)}{namespace="${service.namespace}",service="${service.name}",slo="${slo.name}"}`, legendFormat: w })), { x: 8, y: 16 + 8 * i, w: 16, h: 8 }),
    );
  });
  return dashboard(uidOf('weft', service.namespace, service.name), `${model.name} / ${service.namespace} / ${service.name}`, ['weft', model.name, service.namespace], panels);
}

/** The whole mesh: request rate and 5xx ratio per service, and every SLO's 1 h error ratio. */
export function meshDashboard(model: MeshModel, dialect: MetricDialect): Record<string, unknown> {
  const s = dialect.serviceLabel;
  return dashboard(uidOf('weft', model.name, 'mesh'), `${model.name} / mesh`, ['weft', model.name], [
    panel(1, 'Requests per second by service', 'timeseries', 'reqps', [{ expr: dialect.meshRequests('5m'), legendFormat: `{{${s}}}` }], { x: 0, y: 0, w: 12, h: 8 }),
    panel(2, 'Error ratio (5xx) by service', 'timeseries', 'percentunit', [{ expr: `${dialect.meshServerErrors('5m')} / ${dialect.meshRequests('5m')}`, legendFormat: `{{${s}}}` }], { x: 12, y: 0, w: 12, h: 8 }),
    panel(3, 'SLO error ratio over 1 h', 'timeseries', 'percentunit', [{ expr: errorRatioRecord('1h'), legendFormat: '{{namespace}}/{{service}} {{slo}}' }], { x: 0, y: 8, w: 24, h: 8 }),
  ]);
}

/** A dashboard (its JSON text, `ctx.json` of serviceDashboard or meshDashboard) in a ConfigMap the Grafana sidecar picks up. */
export function dashboardConfigMap(ctx: Pick<EmitContext, 'model'>, name: string, namespace: string, dashboardText: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { ...commonLabels(ctx.model, 'dashboard'), ...SIDECAR_LABEL }, annotations: syncWave(SyncWave.foundation) },
    data: { [`${name}.json`]: dashboardText },
  };
}
