import type { MeshFlavour } from '../../model/mesh';
import type { Service } from '../../model/service';
import { leLabel } from './buckets';

/**
 * Where one data plane keeps the request metrics an SLO is computed from: metric names, the
 * label selector for "requests served by this service", and the labels dashboards group by.
 * Every expression is a PromQL string built from the model only.
 */
export interface MetricDialect {
  readonly name: 'istio' | 'consul';
  /** Per-second rate of all requests to the service over `window`, summed to one series. */
  requests(service: Service, window: string): string;
  /** Per-second rate of requests answered with a 5xx (server error) over `window`. */
  serverErrors(service: Service, window: string): string;
  /** Per-second rate of requests that took at most `thresholdMs` over `window`. */
  fasterThan(service: Service, thresholdMs: number, window: string): string;
  /** Per-second rate of requests with a recorded duration (the histogram's `_count`). */
  timed(service: Service, window: string): string;
  /** `histogram_quantile` of the duration over `window`, by `by` labels. */
  latencyQuantile(service: Service, q: number, window: string, by: readonly string[]): string;
  /** Request rate by `by` labels (for dashboards). */
  requestsBy(service: Service, window: string, by: readonly string[]): string;
  /** Label that names the version (subset) serving a request. */
  readonly versionLabel: string;
  /** Label that carries the response code (or its class). */
  readonly codeLabel: string;
  /** Label that names the destination service, for mesh-wide panels. */
  readonly serviceLabel: string;
  /** Mesh-wide request rate by destination service. */
  meshRequests(window: string): string;
  /** Mesh-wide 5xx rate by destination service. */
  meshServerErrors(window: string): string;
}

function sel(pairs: Record<string, string>, extra = ''): string {
  let out = '{';
  for (const k in pairs) out += `${out.length > 1 ? ',' : ''}${k}="${promqlString(pairs[k]!)}"`;
  if (extra) out += `${out.length > 1 ? ',' : ''}${extra}`;
  return `${out}}`;
}

/**
 * A label value as the inside of a PromQL double-quoted string: backslash and double quote
 * escaped. Most values (namespaces, service names) have neither, and skip the two replaces.
 * @see https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals
 */
export function promqlString(value: string): string {
  return value.includes('\\') || value.includes('"') ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : value;
}

function byClause(by: readonly string[]): string {
  return by.length ? ` by (${by.join(', ')})` : '';
}

/**
 * Istio's standard metrics, reported by the server-side proxy (`reporter="destination"`): what
 * the service itself answered, whoever called it. The Weft proxy's inbound listener reports the
 * same names and labels.
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */
export const ISTIO_DIALECT: MetricDialect = {
  name: 'istio',
  versionLabel: 'destination_version',
  codeLabel: 'response_code',
  serviceLabel: 'destination_service_name',
  requests: (s, w) => `sum(rate(istio_requests_total${istioSel(s)}[${w}]))`,
  serverErrors: (s, w) => `sum(rate(istio_requests_total${istioSel(s, 'response_code=~"5.."')}[${w}]))`,
  fasterThan: (s, ms, w) => `sum(rate(istio_request_duration_milliseconds_bucket${istioSel(s, `le="${leLabel(ms)}"`)}[${w}]))`,
  timed: (s, w) => `sum(rate(istio_request_duration_milliseconds_count${istioSel(s)}[${w}]))`,
  latencyQuantile: (s, q, w, by) =>
    `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (rate(istio_request_duration_milliseconds_bucket${istioSel(s)}[${w}])))`,
  requestsBy: (s, w, by) => `sum${byClause(by)} (rate(istio_requests_total${istioSel(s)}[${w}]))`,
  meshRequests: (w) => `sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="destination"}[${w}]))`,
  meshServerErrors: (w) =>
    `sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="destination",response_code=~"5.."}[${w}]))`,
};

function istioSel(s: Service, extra = ''): string {
  return sel({ reporter: 'destination', destination_service_namespace: s.namespace, destination_service_name: s.name }, extra);
}

/**
 * Envoy's cluster statistics as Consul's Envoy bootstrap tags them. Consul names every upstream
 * cluster's stats with `consul_destination_service` (and the subset in
 * `consul_destination_service_subset`), so the series of requests to a service are the callers'
 * upstream clusters: `envoy_cluster_upstream_rq_xx` by `envoy_response_code_class` and the
 * `envoy_cluster_upstream_rq_time` histogram. Consul's own Grafana dashboards query the same.
 * There is no server-side equivalent carrying the service's name (the inbound cluster is
 * `local_app` in every proxy), which WEFT783 tells the user.
 * @see https://developer.hashicorp.com/consul/docs/observe/grafana/service
 * @see https://developer.hashicorp.com/consul/docs/connect/observability/service
 */
export const CONSUL_DIALECT: MetricDialect = {
  name: 'consul',
  versionLabel: 'consul_destination_service_subset',
  codeLabel: 'envoy_response_code_class',
  serviceLabel: 'consul_destination_service',
  requests: (s, w) => `sum(rate(envoy_cluster_upstream_rq_xx${consulSel(s)}[${w}]))`,
  serverErrors: (s, w) => `sum(rate(envoy_cluster_upstream_rq_xx${consulSel(s, 'envoy_response_code_class="5"')}[${w}]))`,
  fasterThan: (s, ms, w) => `sum(rate(envoy_cluster_upstream_rq_time_bucket${consulSel(s, `le="${leLabel(ms)}"`)}[${w}]))`,
  timed: (s, w) => `sum(rate(envoy_cluster_upstream_rq_time_count${consulSel(s)}[${w}]))`,
  latencyQuantile: (s, q, w, by) =>
    `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (rate(envoy_cluster_upstream_rq_time_bucket${consulSel(s)}[${w}])))`,
  requestsBy: (s, w, by) => `sum${byClause(by)} (rate(envoy_cluster_upstream_rq_xx${consulSel(s)}[${w}]))`,
  meshRequests: (w) => `sum by (consul_destination_service) (rate(envoy_cluster_upstream_rq_xx{consul_destination_service!=""}[${w}]))`,
  meshServerErrors: (w) =>
    `sum by (consul_destination_service) (rate(envoy_cluster_upstream_rq_xx{consul_destination_service!="",envoy_response_code_class="5"}[${w}]))`,
};

function consulSel(s: Service, extra = ''): string {
  return sel({ consul_destination_service: s.name }, extra);
}

/** Istio and the Weft proxy share Istio's metrics; Consul's Envoy has its own. */
export function dialectFor(mesh: MeshFlavour): MetricDialect {
  return mesh === 'consul' ? CONSUL_DIALECT : ISTIO_DIALECT;
}
