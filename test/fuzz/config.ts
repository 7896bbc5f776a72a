import { Mesh } from '../../src/index';
import type { Service } from '../../src/constructs/service';

/**
 * A mesh description as plain data, so that the fuzzer can change any value before it is
 * handed to Weft's constructs. `to`, `mirror.to` and `calls` name services; `build` turns the
 * names into the construct references a user would write.
 */
export interface FuzzConfig {
  mesh: { name: unknown; props: Record<string, unknown> };
  teams: Array<{
    name: unknown;
    props: Record<string, unknown>;
    services: Array<{
      name: unknown;
      props: Record<string, unknown>;
      calls: string[];
      routes: Array<{ name: unknown; props: Record<string, unknown> }>;
      allows: Array<{ name: unknown; props: Record<string, unknown> }>;
      jwts: Array<{ name: unknown; props: Record<string, unknown> }>;
    }>;
    externals: Array<{ name: unknown; props: Record<string, unknown> }>;
  }>;
  gateways: Array<{ name: unknown; props: Record<string, unknown>; routes: Array<{ name: unknown; props: Record<string, unknown> }> }>;
}

/** A destination by name: `{ svc, version?, weight? }`. */
export interface DestinationName {
  svc: string;
  version?: string;
  weight?: unknown;
}

/** The valid mesh every variant starts from: one of each kind of construct. */
export function baseConfig(): FuzzConfig {
  return {
    mesh: { name: 'shop', props: { environments: { dev: { mesh: 'weft' }, prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } } },
    teams: [
      {
        name: 'web',
        props: { namespace: 'web', labels: { 'cost-center': 'web' } },
        services: [
          {
            name: 'front',
            props: {
              port: 8080,
              versions: { v1: { image: 'example/front:1.0', env: { LOG_LEVEL: 'info' }, resources: { requests: { cpu: '50m', memory: '64Mi' } }, labels: { tier: 'web' } }, v2: { image: 'example/front:1.1' } },
              probes: { readiness: { path: '/healthz' } },
              config: { 'app.json': { a: 1 } },
              configValues: { MODE: 'fast' },
              configMountPath: '/etc/front',
              autoscaling: { minReplicas: 1, maxReplicas: 3 },
              disruptionBudget: { minAvailable: 1 },
              resilience: { timeout: '2s', retries: { attempts: 2, perTryTimeout: '500ms' }, rateLimit: { requests: 10, per: '1s' } },
            },
            calls: ['api', 'payments'],
            routes: [
              { name: 'canary', props: { match: { headers: { 'x-canary': 'yes' }, path: { prefix: '/app' }, methods: ['GET'] }, to: [{ svc: 'front', version: 'v1', weight: 50 }, { svc: 'front', version: 'v2', weight: 50 }] } },
              { name: 'default', props: { to: { svc: 'front', version: 'v1' }, headers: { request: { set: { 'x-from': 'weft' } } } } },
            ],
            allows: [],
            jwts: [],
          },
          {
            name: 'api',
            props: { ports: [{ port: 80, targetPort: 8080, name: 'http-web' }], versions: { v1: { image: 'example/api:2.0' } } },
            calls: [],
            routes: [],
            allows: [{ name: 'front-reads', props: { from: { namespaces: ['web'] }, to: { methods: ['GET'], paths: ['/v1/*'] } } }],
            jwts: [{ name: 'users', props: { issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/jwks.json' } }],
          },
        ],
        externals: [{ name: 'payments', props: { hosts: ['api.pay.example.com'], ports: [{ port: 443, protocol: 'https' }] } }],
      },
      {
        name: 'data',
        props: { namespace: 'data' },
        services: [{ name: 'db', props: { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'postgres:16.4' } } }, calls: [], routes: [], allows: [], jwts: [] }],
        externals: [],
      },
    ],
    gateways: [{ name: 'public', props: { hosts: ['shop.example.com'] }, routes: [{ name: 'all', props: { to: { svc: 'front' } } }] }],
  };
}

/** The constructs a user would write for `config`: every call exactly as mesh.config.ts makes it. */
export function build(config: FuzzConfig): Mesh {
  const mesh = new Mesh(config.mesh.name as string, config.mesh.props as never);
  const services = new Map<string, Service>();
  const externals = new Map<string, unknown>();
  const made: Array<{ spec: FuzzConfig['teams'][number]['services'][number]; service: Service }> = [];
  for (const t of config.teams) {
    const team = mesh.team(t.name as string, t.props as never);
    for (const x of t.externals) externals.set(String(x.name), team.externalService(x.name as string, x.props as never));
    for (const s of t.services) {
      const service = team.service(s.name as string, s.props as never);
      services.set(String(s.name), service);
      made.push({ spec: s, service });
    }
  }
  const dest = (d: unknown): unknown => {
    if (Array.isArray(d)) return d.map(dest);
    if (!d || typeof d !== 'object' || !('svc' in d)) return d;
    const { svc, version, weight } = d as DestinationName;
    const service = services.get(svc);
    if (!service) return d;
    const target = version === undefined ? service : service.version(version);
    return weight === undefined ? target : target.weight(weight as number);
  };
  const routeProps = (props: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...props };
    if ('to' in out) out.to = dest(out.to);
    if (out.mirror && typeof out.mirror === 'object') out.mirror = { ...(out.mirror as object), to: dest((out.mirror as { to: unknown }).to) };
    return out;
  };
  for (const { spec, service } of made) {
    const calls = spec.calls.map((n) => services.get(n) ?? externals.get(n)).filter((c) => c !== undefined);
    if (calls.length) service.addCalls(...(calls as Service[]));
    for (const r of spec.routes) service.route(r.name as string, routeProps(r.props) as never);
    for (const a of spec.allows) service.allow(a.name as string, a.props as never);
    for (const j of spec.jwts) service.requireJwt(j.name as string, j.props as never);
  }
  for (const g of config.gateways) {
    const gateway = mesh.gateway(g.name as string, g.props as never);
    for (const r of g.routes) gateway.route(r.name as string, routeProps(r.props) as never);
  }
  return mesh;
}
