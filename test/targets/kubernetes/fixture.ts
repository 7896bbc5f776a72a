import { Mesh, duration } from '../../../src/index';

/**
 * A small mesh exercising every object the Kubernetes target writes: two teams, a service
 * with two versions, config, probes, autoscaling and a disruption budget, callers across
 * namespaces, a gateway route, and allow rules of each L3 shape (services, namespaces, JWT only).
 * `prod` runs Istio under deny-by-default; `open` runs the Weft proxy under allow-all.
 */
export function smallMesh(): Mesh {
  const mesh = new Mesh('shop', {
    environments: {
      prod: { mesh: 'istio' },
      open: { mesh: 'weft', security: { authorization: 'allow-all' }, services: { 'shop-commerce/orders': { replicas: 3 } } },
    },
    security: { mtls: 'strict', authorization: 'deny-by-default' },
  });
  const storefront = mesh.team('storefront', { labels: { 'cost-center': 'web' } });
  const commerce = mesh.team('commerce', { namespace: 'shop-commerce' });

  const orders = commerce.service('orders', {
    ports: [
      { port: 80, targetPort: 8080, protocol: 'http' },
      { port: 9090, protocol: 'grpc' },
    ],
    versions: { v1: { image: 'example/orders:1.4.2', replicas: 2, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } } },
    config: { 'orders.json': { currency: 'EUR' } },
    configValues: { LOG_LEVEL: 'info' },
    probes: { readiness: { path: '/ready' }, liveness: { period: duration.seconds(20) } },
    disruptionBudget: { minAvailable: 1 },
    serviceAccount: 'orders-sa',
  });
  const web = storefront.service('web', {
    port: 8080,
    versions: {
      v1: { image: 'example/web:2.0.0', env: { MODE: 'stable' }, resources: { requests: { cpu: '200m' } } },
      v2: { image: 'example/web:latest', env: { MODE: 'canary' }, labels: { track: 'canary' }, resources: { requests: { cpu: '200m' } } },
    },
    calls: [orders],
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 70 },
    disruptionBudget: {},
  });
  web.route('canary', { to: [web.version('v1').weight(90), web.version('v2').weight(10)] });
  orders.allow('from-web', { from: { services: [web] } });
  orders.allow('from-ops', { from: { namespaces: ['ops'] }, to: { ports: [9090] } });
  orders.requireJwt('users', { issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/jwks.json' });
  orders.allow('signed-in', { from: { authenticated: true }, to: { ports: [8080] } });
  const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
  gw.route('site', { to: web });
  return mesh;
}
