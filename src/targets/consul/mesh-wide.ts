import type { JwtRule } from '../../model/security';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { CONSUL_NAMESPACE, compact, crd, nonEmpty, type ConsulContext } from './common';

type Obj = Record<string, unknown>;

/**
 * The port Envoy serves Prometheus metrics on: consul-k8s's default metrics port for the merged
 * app + Envoy endpoint is 20200, and `envoy_prometheus_bind_addr` binds Envoy's own listener.
 * @see https://developer.hashicorp.com/consul/docs/k8s/connect/observability/metrics
 * @see https://developer.hashicorp.com/consul/docs/connect/proxies/envoy#envoy_prometheus_bind_addr
 */
export const ENVOY_METRICS_PORT = 20200;

/**
 * ProxyDefaults `global`: access logs, the Prometheus listener, and the tracing sample rate,
 * mesh-wide (on Kubernetes, metrics are also switched per pod, see wiring.ts; a service's own
 * metrics setting holds there, and on VMs it gets the mesh's). The sample rate is the HTTP connection manager's `random_sampling`, which Consul
 * takes through `envoy_listener_tracing_json`; which tracer receives the spans
 * (`envoy_tracing_json` and its collector cluster) depends on the cluster's collector address,
 * which the model does not have (docs/consul.md).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/proxy-defaults
 * @see https://developer.hashicorp.com/consul/docs/connect/distributed-tracing
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-tracing
 */
export function proxyDefaults(cc: ConsulContext): Manifest[] {
  const o = cc.model.observability;
  for (const s of cc.model.services) {
    const differs = (what: string, value: unknown, mesh: unknown) =>
      value !== undefined && value !== mesh &&
      cc.report('WEFT702', s, `service "${s.name}" sets ${what} to ${String(value)}, but Consul configures it for the whole mesh (ProxyDefaults "global", ${String(mesh)} here)`, `set it mesh-wide (or in the environment's observability) for consul environments`);
    differs('access logs', s.observability.accessLogs, o.accessLogs);
    if (s.observability.metrics !== undefined && s.observability.metrics !== o.metrics)
      cc.report('WEFT702', s, `service "${s.name}" sets metrics to ${s.observability.metrics}; its pods follow it (consul.hashicorp.com/enable-metrics), but VM sidecars take ProxyDefaults "global" (${o.metrics} here)`, 'set metrics mesh-wide (or in the environment) if the service also runs on VMs');
    differs('the tracing sample rate', s.observability.tracingSamplingPercent === undefined ? undefined : `${s.observability.tracingSamplingPercent}%`, o.tracing ? `${o.tracing.samplingPercent}%` : 'off');
  }
  const config: Obj = {};
  if (o.metrics) config.envoy_prometheus_bind_addr = `0.0.0.0:${ENVOY_METRICS_PORT}`;
  if (o.tracing)
    config.envoy_listener_tracing_json = JSON.stringify({
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing',
      random_sampling: { value: o.tracing.samplingPercent },
    });
  return [
    crd(cc.model, 'ProxyDefaults', 'global', CONSUL_NAMESPACE, cc.model.name, SyncWave.foundation,
      compact({
        accessLogs: o.accessLogs ? { enabled: true } : undefined,
        config: nonEmpty(config),
      }),
    ),
  ];
}

/**
 * The Mesh entry's path normalization (Consul 1.20+, Envoy `normalize_path`/`merge_slashes` of
 * every listener): `base` is Consul's default, `none` disables it, `merge-slashes` adds merging.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/mesh#http-incoming-requestnormalization
 */
function requestNormalization(mode: 'none' | 'base' | 'merge-slashes' | undefined): Obj | undefined {
  if (mode === 'none') return { incoming: { requestNormalization: { insecureDisablePathNormalization: true } } };
  if (mode === 'merge-slashes') return { incoming: { requestNormalization: { mergeSlashes: true } } };
  return undefined;
}

/**
 * Mesh `mesh`: under deny-by-default, transparent proxies reach only mesh destinations (declared
 * external services are mesh destinations through their ServiceDefaults `Destination`); a mesh
 * with any service in permissive mTLS must allow it here first.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/mesh
 */
export function meshEntry(cc: ConsulContext): Manifest[] {
  const permissive = cc.model.security.mtls !== 'strict' || cc.model.services.some((s) => cc.ctx.index.mtlsOf(s) !== 'strict');
  // Mesh-destinations-only cuts egress off, so it lands last (after the external services'
  // ServiceDefaults), unless permissive mTLS must be allowed before those ServiceDefaults.
  const tightens = cc.model.security.authorization === 'deny-by-default' && !permissive;
  return [
    crd(cc.model, 'Mesh', 'mesh', CONSUL_NAMESPACE, cc.model.name, tightens ? SyncWave.tightening : SyncWave.foundation,
      compact({
        allowEnablingPermissiveMutualTLS: permissive || undefined,
        http: requestNormalization(cc.model.security.pathNormalization),
        transparentProxy: { meshDestinationsOnly: cc.model.security.authorization === 'deny-by-default' },
      }),
    ),
  ];
}

/**
 * JWTProvider per declared JWT rule (providers are mesh-wide in Consul: one per name):
 * issuer, audiences, a remote JWKS (fetched asynchronously so that a slow issuer does not block
 * the first request) or a local one (base64, as Consul's `JSONWebKeySet.Local.JWKS` takes it),
 * the token locations, and whether the original token is forwarded upstream.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/jwt-provider
 */
export function jwtProviders(cc: ConsulContext): Manifest[] {
  const byName = new Map<string, { rule: JwtRule; spec: Obj; service: string }>();
  for (const s of cc.model.services)
    for (const rule of s.security.jwt) {
      const spec = jwtProviderSpec(rule);
      const seen = byName.get(rule.name);
      if (seen && JSON.stringify(seen.spec) !== JSON.stringify(spec)) {
        cc.report('WEFT700', rule, `JWT rule "${rule.name}" of service "${s.name}" differs from the one of the same name on service "${seen.service}"; Consul's JWT providers are mesh-wide, one per name`, 'give differing JWT rules different names');
        continue;
      }
      if (!seen) byName.set(rule.name, { rule, spec, service: s.name });
    }
  return [...byName.values()].map(({ rule, spec }) => crd(cc.model, 'JWTProvider', rule.name, CONSUL_NAMESPACE, rule.name, SyncWave.foundation, spec));
}

function jwtProviderSpec(rule: JwtRule): Obj {
  const locations: Obj[] = [
    ...rule.fromHeaders.map((h) => ({ header: compact({ name: h.name, valuePrefix: h.prefix, forward: rule.forwardOriginalToken || undefined }) })),
    ...rule.fromParams.map((name) => ({ queryParam: { name } })),
  ];
  return compact({
    issuer: rule.issuer,
    audiences: nonEmpty(rule.audiences),
    jsonWebKeySet: rule.jwksUri
      ? { remote: { uri: rule.jwksUri, fetchAsynchronously: true } }
      : { local: { jwks: Buffer.from(rule.jwks ?? '', 'utf8').toString('base64') } },
    locations: nonEmpty(locations),
  });
}
