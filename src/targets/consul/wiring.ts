import type { Service, Version } from '../../model/service';
import type { EmitContext, WorkloadWiring } from '../target';
import { ENVOY_METRICS_PORT } from './mesh-wide';
import { upstreamsOf } from './upstreams';

/**
 * What a workload needs to join a Consul mesh on Kubernetes (consul-k8s's connect injector):
 * - `connect-inject: "true"`: the injector adds the Envoy sidecar (opt-in is the injector's default);
 * - `transparent-proxy`: with it (the default), callers reach services by their Kubernetes DNS
 *   names; without it (`consul: { transparentProxy: false }` on the environment), the declared
 *   calls are `connect-service-upstreams` on local ports 21000, 21001, … in call order;
 * - `service-meta-version`: the version as service meta, which the ServiceResolver's subsets
 *   filter on (`Service.Meta.version`);
 * - with metrics on, `enable-metrics` and metrics merging (app and Envoy metrics on one endpoint)
 *   and the Prometheus scrape annotations consul-k8s would add for its default scrape port, so
 *   that the Kubernetes target's NetworkPolicy lets scrapers reach that port.
 * consul-k8s registers the pod under the name of its Kubernetes Service, and with ACLs enabled
 * logs in with the pod's ServiceAccount, which must have the service's name (WEFT709 says when
 * a service's account has another name).
 * @see https://developer.hashicorp.com/consul/docs/k8s/annotations-and-labels
 * @see https://developer.hashicorp.com/consul/docs/k8s/connect/transparent-proxy
 * @see https://developer.hashicorp.com/consul/docs/connect/k8s/upstreams
 */
export function consulWiring(ctx: Pick<EmitContext, 'env' | 'index' | 'model'>, service: Service, version: Version): WorkloadWiring {
  const transparent = ctx.env.consul?.transparentProxy ?? true;
  const upstreams = transparent ? [] : upstreamsOf(ctx.index, service);
  const metrics = service.observability.metrics ?? ctx.model.observability.metrics;
  return {
    podAnnotations: {
      ...metricsAnnotations(metrics),
      'consul.hashicorp.com/connect-inject': 'true',
      'consul.hashicorp.com/transparent-proxy': String(transparent),
      'consul.hashicorp.com/service-meta-version': version.name,
      ...(upstreams.length ? { 'consul.hashicorp.com/connect-service-upstreams': upstreams.map((u) => `${u.name}:${u.localPort}`).join(',') } : {}),
    },
    // connect-inject adds the Envoy sidecar (consul-dataplane) at admission.
    injectsSidecar: true,
  };
}

/**
 * consul-k8s's per-pod metrics switches; its default Prometheus scrape port is 20200, path
 * `/metrics` (the same port ProxyDefaults binds Envoy's Prometheus listener to).
 * @see https://developer.hashicorp.com/consul/docs/observe/telemetry/k8s
 */
function metricsAnnotations(on: boolean): Record<string, string> {
  if (!on) return { 'consul.hashicorp.com/enable-metrics': 'false' };
  return {
    'consul.hashicorp.com/enable-metrics': 'true',
    'consul.hashicorp.com/enable-metrics-merging': 'true',
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(ENVOY_METRICS_PORT),
    'prometheus.io/path': '/metrics',
  };
}
