/**
 * The proxy config of a gateway workload: the Weft proxy at the mesh's edge, for one `Gateway`
 * construct. Its servers follow the Istio target's Gateway servers (gateway.ts there): HTTPS
 * on the declared port with the declared Secret (SIMPLE or MUTUAL), plus a plain HTTP server on
 * 80 that redirects when `httpsRedirect` is on; plain HTTP on the port without TLS. Its routes
 * are the gateway's routes with the services' own routes merged in behind them
 * (gateway-routes.ts). It calls the services with its own mesh identity (mTLS, secure naming),
 * and the services' deny-by-default ALLOW lists name it (security.ts).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
import { httpConfig } from './http';
import type { Gateway, MeshModel } from '../../model/mesh';
import { gatewayWorkload } from '../../model/gateway-workload';
import type { ModelIndex } from '../../model/query';
import type { Service } from '../../model/service';
import type { Report } from '../../diagnostics/reporter';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { PROXY_PORTS, SCHEMA_REF } from './constants';
import { kubernetesDiscovery, kubernetesResolver, type EndpointResolver } from './endpoints';
import { gatewayRoutes } from './gateway-routes';
import { CERT_FILES, meshUsesMtls } from './identity';
import type { RouteScope } from './routes';
import { ServiceTable } from './services';

/** Where the gateway's TLS Secret is mounted (a `kubernetes.io/tls` Secret: tls.crt, tls.key, and ca.crt for MUTUAL). */
export const GATEWAY_TLS_DIR = '/etc/weft-gateway-tls';

/** Names of a gateway's Kubernetes objects and of its workload in metrics. */
export function gatewayWorkloadName(g: Pick<Gateway, 'name'>): string {
  return `${g.name}-gateway`;
}

/**
 * The container port of a server: ports below 1024 move up by 8000 (443 → 8443, 80 → 8080) as
 * in Istio's ingress gateway chart, so that the proxy runs as a non-root user without
 * NET_BIND_SERVICE; the Service maps the declared port to it.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
export function containerPortOf(port: number): number {
  return port < 1024 ? port + 8000 : port;
}

export interface GatewayServer {
  name: string;
  /** The port clients use (the Service port). */
  port: number;
  tls: boolean;
}

/** The servers of a gateway, as the Istio target declares them. */
export function gatewayServers(g: Gateway): GatewayServer[] {
  if (!g.tls) return [{ name: `http-${g.port}`, port: g.port, tls: false }];
  const out: GatewayServer[] = [{ name: `https-${g.port}`, port: g.port, tls: true }];
  if (g.tls.httpsRedirect && g.port !== 80) out.push({ name: 'http-80', port: 80, tls: false });
  return out;
}

/**
 * The gateway as the caller and owner of its routes, in the namespace and with the service
 * account of its declared workload (the identity the istio target's policies admit too). Only identity fields are read by route
 * compilation (name, namespace, no resilience of its own, no degradation rules): a gateway is
 * not a service, and a route's `from: <service>` never applies to it.
 */
export function gatewayAsCaller(g: Gateway): Service {
  const w = gatewayWorkload(g);
  return { name: gatewayWorkloadName(g), namespace: w.namespace, serviceAccount: w.serviceAccount, resilience: {}, degrade: [], calls: [], routes: [], versions: [], ports: [] } as unknown as Service;
}

export interface GatewayConfigOptions {
  endpoints?: EndpointResolver;
  /** Bind addresses (local mesh: loopback and free ports). @default 0.0.0.0 and the container ports */
  listen?: (server: GatewayServer) => { host: string; port: number };
  admin?: { host: string; port: number };
  schema?: string | null;
  /** Certificate files of the TLS server (local mesh: its own throwaway CA). @default the mounted Secret */
  tlsFiles?: { certFile: string; keyFile: string; caFile?: string };
}

export function buildGatewayConfig(ctx: { readonly model: MeshModel; readonly index: ModelIndex }, g: Gateway, report: Report, options: GatewayConfigOptions = {}): ProxyConfigInput {
  const { model, index } = ctx;
  const caller = gatewayAsCaller(g);
  const table = new ServiceTable(model, caller.namespace, options.endpoints ?? kubernetesResolver(model), report, options.endpoints ? undefined : kubernetesDiscovery(model));
  const scope: RouteScope = { model, index, caller, table, report };
  const routes = gatewayRoutes(scope, g, caller);
  const files = options.tlsFiles ?? { certFile: `${GATEWAY_TLS_DIR}/tls.crt`, keyFile: `${GATEWAY_TLS_DIR}/tls.key`, ...(g.tls?.mode === 'mutual' ? { caFile: `${GATEWAY_TLS_DIR}/ca.crt` } : {}) };
  const servers = gatewayServers(g).map((s) => ({
    name: s.name,
    ...(options.listen ? options.listen(s) : { host: '0.0.0.0', port: containerPortOf(s.port) }),
    hosts: [...g.hosts],
    ...(s.tls && g.tls ? { tls: { mode: g.tls.mode === 'mutual' ? ('MUTUAL' as const) : ('SIMPLE' as const), files: { ...files } } } : {}),
    ...(!s.tls && g.tls?.httpsRedirect ? { httpsRedirect: true } : {}),
  }));
  const schema = options.schema === undefined ? SCHEMA_REF : options.schema;
  const name = gatewayWorkloadName(g);
  return {
    ...(schema === null ? {} : { $schema: schema }),
    version: 1,
    workload: { service: name, namespace: caller.namespace, app: name, workloadName: name },
    listeners: { admin: options.admin ?? { host: '0.0.0.0', port: PROXY_PORTS.admin }, gateway: servers },
    services: table.list(),
    routes,
    observability: {
      metrics: model.observability.metrics,
      accessLog: model.observability.accessLogs,
      tracing: {
        samplingPercent: model.observability.tracing?.samplingPercent ?? 0,
        ...(model.observability.tracing?.otlpEndpoint ? { otlp: { endpoint: model.observability.tracing.otlpEndpoint } } : {}),
      },
    },
    ...httpConfig(model),
    // The gateway has no inbound listener: its identity serves only its mTLS calls into the mesh.
    ...(meshUsesMtls(model) ? { security: { mtls: { mode: 'DISABLE' as const, trustDomain: model.trustDomain, files: { ...CERT_FILES } } } } : {}),
  };
}
