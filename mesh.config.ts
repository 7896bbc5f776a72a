/**
 * The example mesh: the sample system of the seed documents, written with every kind of Weft
 * construct so that it is also the showcase and the end-to-end test.
 *
 *   internet ─► gateway "public" ─► golang-app-gateway ─► springboot-app (v1 20% / v2 80%, jason → v2)
 *                                         │                     └─ v2 ─► golang-app-data (ConfigMap)
 *                                         └─► python-app-anticaptcha
 *   team "commerce": user-service, order-service ─► product-service, trade-service ─► data-service ─► payments API
 *
 * `npm run synth` compiles it into dist/; see README.md for a tour.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { Mesh, duration } from 'weft';

const mesh = new Mesh('shop', {
  environments: {
    // Local development and `npm run verify`: Weft's own sidecar proxy.
    dev: {
      mesh: 'weft',
      // The weft proxies export their spans to the collector over OTLP/HTTP.
      observability: { accessLogs: true, tracing: { samplingPercent: 100, otlpEndpoint: 'http://otel-collector.observability:4318/v1/traces' } },
      services: { 'springboot-app': { versions: { v2: { replicas: 1 } } } },
    },
    // Consul on Kubernetes (consul-k8s CRDs), with the same config entries and VM service
    // definitions for `consul config write` (docs/consul.md).
    staging: { mesh: 'consul', observability: { accessLogs: true } },
    // Delivered by Argo CD: dist/prod/argocd/ holds its AppProject and Application (docs/gitops.md).
    prod: { mesh: 'istio', gitops: true },
  },
  // Where Argo CD finds the committed dist/ and where it applies it.
  gitops: {
    repoUrl: 'https://git.example.com/platform/shop-mesh.git',
    targetRevision: 'main',
    destinationServer: 'https://kubernetes.default.svc',
  },
  trustDomain: 'cluster.local',
  // Paths are normalized (dot segments removed) before routes and authorization rules match, as
  // Istio's default BASE: written into every weft proxy config; Consul and Istio default to it.
  security: { mtls: 'strict', authorization: 'deny-by-default', pathNormalization: 'base' },
  // Istio sidecars export spans to the collector themselves: its Service is in every Sidecar's egress.
  observability: { metrics: true, tracing: { samplingPercent: 10, collector: 'otel-collector.observability' }, accessLogs: false },
  // The mTLS mode and telemetry defaults go into Weft's own namespaces, not istio-system, so
  // that another repository can share the cluster (docs/istio.md, "Mesh defaults").
  defaultsScope: 'namespaces',
});

// ── Team storefront ─────────────────────────────────────────────────────────────────────────
const storefront = mesh.team('storefront', { namespace: 'storefront', labels: { 'cost-center': 'web' } });

const data = storefront.service('golang-app-data', {
  port: 8080,
  versions: { v1: { image: 'wardenlym/golang-app-data:v1', resources: { requests: { cpu: '50m', memory: '64Mi' } } } },
  config: { 'config-data.json': { key1: 'value1', key2: 'value2' } },
  configValues: { LOG_LEVEL: 'info' },
  configMountPath: '/app/config',
  probes: { readiness: { path: '/healthz' }, liveness: { path: '/healthz', period: duration.seconds(20) } },
  resilience: { loadBalancer: { policy: 'least-request' } },
});

const anticaptcha = storefront.service('python-app-anticaptcha', {
  port: 5000,
  versions: { v1: { image: 'wardenlym/python-app-anticaptcha:v1', env: { MODEL: 'small' } } },
  resilience: {
    rateLimit: { requests: 50, per: duration.seconds(1), burst: 100 },
    loadBalancer: { policy: 'consistent-hash', header: 'x-session-id' },
    // Degradation (docs/degradation.md): the captcha check is secondary; when it fails, callers
    // get a preset "not judged" verdict instead of an error (weft environments).
    fallback: {
      on: ['circuit-open', 'rate-limited', 'timeout', '5xx', 'connect-failure'],
      response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"unknown","degraded":true}' },
    },
    // A ratio breaker with half-open probing (weft proxy): each caller stops calling once more
    // than half of at least 20 calls in 10 s failed, answers with the fallback above for 5 s, then
    // lets 3 probe calls through. Istio approximates it with failure-percentage outlier
    // detection (WEFT849 names what differs); Consul keeps no ratio (WEFT842).
    circuitBreaker: { ratio: { failureRatio: 50, minRequests: 20, window: duration.seconds(10), openFor: duration.seconds(5), halfOpenProbes: 3 } },
  },
});

const app = storefront.service('springboot-app', {
  port: 8080,
  versions: {
    v1: { image: 'wardenlym/springboot-app:v1', env: { ANSWER: 'fixed' } },
    v2: { image: 'wardenlym/springboot-app:v2', replicas: 2, env: { DATA_URL: 'http://golang-app-data.storefront:8080' } },
  },
  calls: [data],
  probes: { readiness: { path: '/actuator/health' } },
  disruptionBudget: { minAvailable: 1 },
  resilience: {
    timeout: duration.seconds(2),
    retries: { attempts: 3, perTryTimeout: duration.millis(500), on: ['5xx', 'reset', 'connect-failure'] },
    circuitBreaker: {
      consecutive5xx: 5,
      interval: duration.seconds(10),
      baseEjection: duration.seconds(30),
      maxEjectionPercent: 50,
      maxConnections: 100,
      maxPendingRequests: 50,
      maxRequests: 200,
    },
    loadBalancer: { policy: 'round-robin' },
  },
  observability: { accessLogs: true },
});
app.route('jason', { match: { headers: { 'end-user': { exact: 'jason' } } }, to: app.version('v2') });
app.route('canary', { to: [app.version('v1').weight(20), app.version('v2').weight(80)] });
app.slo('availability', { availability: 99.9 });
app.slo('latency', { latency: { threshold: '250ms', percent: 99 } });

const gatewaySvc = storefront.service('golang-app-gateway', {
  ports: [
    { port: 80, targetPort: 8080, protocol: 'http', name: 'http-web' },
    { port: 9090, protocol: 'grpc', name: 'grpc-admin' },
  ],
  versions: { v1: { image: 'wardenlym/golang-app-gateway:v1', replicas: 2, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } } },
  calls: [app, anticaptcha],
  autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 70 },
  disruptionBudget: { maxUnavailable: 1 },
  resilience: { loadBalancer: { policy: 'consistent-hash', cookie: { name: 'shop-session', ttl: duration.hours(1) } } },
});
gatewaySvc.route('captcha', {
  match: { path: { prefix: '/captcha' } },
  rewrite: { uri: '/' },
  to: gatewaySvc,
  timeout: duration.seconds(5),
  headers: { request: { set: { 'x-forwarded-prefix': '/captcha' } } },
});
gatewaySvc.route('default', { to: gatewaySvc, mirror: { to: app.version('v2'), percent: 5 } });
// A degradation switch (降级开关): under load, turn off the gateway's captcha calls so that the core
// path keeps its resources. In the weft mesh it flips at runtime: `weft switch shed-anticaptcha on`.
const shedCaptcha = mesh.switch('shed-anticaptcha', { description: 'answer captcha checks with "skip" instead of calling python-app-anticaptcha', default: 'off' });
gatewaySvc.degrade(shedCaptcha, {
  calls: [anticaptcha],
  response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"skip","degraded":true}' },
});
// A fallback for one call only: when the gateway cannot reach springboot-app at all, its users get
// the seeds' "system busy, try again later" instead of a bare 503 (docs/degradation.md).
gatewaySvc.fallbackFor(app, {
  on: ['connect-failure'],
  response: { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' }, body: '系统繁忙，稍后再试' },
});

// ── Team commerce ───────────────────────────────────────────────────────────────────────────
const commerce = mesh.team('commerce', { namespace: 'commerce' });

const payments = commerce.externalService('payments-api', {
  hosts: ['api.payments.example.com'],
  ports: [{ port: 443, protocol: 'https' }],
  resolution: 'dns',
});

const dataService = commerce.service('data-service', {
  ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgres' }],
  versions: { v1: { image: 'postgres:16.4', replicas: 2 } },
  // The postgres image has no USER: under Weft's hardened defaults (runAsNonRoot, read-only
  // root) it starts only as its own user (999), writing to volumes (docs/kubernetes.md).
  securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
  // Each replica's own data (a demo; real data belongs on a persistentVolumeClaim) and socket folder.
  volumes: { pgdata: { emptyDir: { sizeLimit: '1Gi' } }, run: { emptyDir: { medium: 'Memory' } } },
  mounts: [
    { volume: 'pgdata', mountPath: '/var/lib/postgresql/data' },
    { volume: 'run', mountPath: '/var/run/postgresql' },
  ],
  // On a TCP service: a replica that refuses connections 3 times in a row is ejected, and each
  // caller's proxy opens at most 100 connections (in the weft mesh too: its TCP path applies them).
  resilience: { circuitBreaker: { consecutive5xx: 3, interval: duration.seconds(10), baseEjection: duration.seconds(30), maxConnections: 100 } },
  calls: [payments],
  disruptionBudget: { minAvailable: 1 },
  security: { mtls: 'strict' },
});

const product = commerce.service('product-service', {
  port: 8080,
  protocol: 'http2',
  versions: { v1: { image: 'example/product-service:1.4.2', replicas: 2 }, v2: { image: 'example/product-service:1.5.0' } },
  // In weft environments the app reaches postgres at $WEFT_UPSTREAM_DATA_SERVICE_5432 (127.0.0.1:5432),
  // a local bind port its proxy carries over mTLS to data-service's inbound TCP listener (WEFT669).
  calls: [dataService],
  resilience: {
    circuitBreaker: { consecutiveGatewayErrors: 3, baseEjection: '15s', maxEjectionPercent: 30, maxRequestsPerConnection: 100 },
    loadBalancer: { policy: 'random' },
  },
});
product.route('by-query', { match: { query: { variant: 'next' } }, to: product.version('v2') });
product.route('default', { to: product.version('v1') });

const trade = commerce.service('trade-service', {
  port: 8080,
  protocol: 'grpc',
  versions: { v1: { image: 'example/trade-service:2.0.1', replicas: 2 } },
  calls: [dataService],
  resilience: {
    timeout: duration.seconds(3),
    retries: { attempts: 2, perTryTimeout: duration.seconds(1), on: ['unavailable', 'resource-exhausted', 'connect-failure'] },
  },
});

const order = commerce.service('order-service', {
  port: 8080,
  versions: { v1: { image: 'example/order-service:3.2.0', replicas: 2 }, v2: { image: 'example/order-service:3.3.0-rc.1' } },
  // A narrowed call: order-service may only read products (GET); any other request to
  // product-service is denied (docs/constructs.md, "Narrowing calls").
  calls: [product.only({ methods: ['GET'] }), trade],
  resilience: { rateLimit: { requests: 100, per: '1s' } },
});
order.route('chaos', {
  match: { headers: { 'x-chaos': { exact: 'on' } } },
  to: order.version('v2'),
  fault: { delay: { fixed: duration.millis(200), percent: 50 }, abort: { status: 503, percent: 10 } },
});
order.route('legacy', { match: { path: { exact: '/orders/legacy' } }, redirect: { uri: '/orders', status: 308 } });
order.route('ping', { match: { path: { exact: '/ping' }, methods: ['GET'] }, directResponse: { status: 200, body: 'pong' } });
order.route('api', {
  match: [{ path: { prefix: '/orders' }, methods: ['GET', 'POST'] }, { path: { regex: '^/v[0-9]+/orders.*' } }],
  to: [order.version('v1').weight(90), order.version('v2').weight(10)],
  timeout: duration.seconds(4),
  retries: { attempts: 2, perTryTimeout: duration.seconds(1), on: ['gateway-error', 'connect-failure'] },
  rateLimit: { requests: 20, per: '1s', burst: 40 },
  cors: { allowOrigins: ['https://shop.example.com', { regex: 'https://.*\\.shop\\.example\\.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization', 'content-type'], maxAge: duration.hours(1) },
  headers: { response: { set: { 'cache-control': 'no-store' }, remove: ['x-powered-by'] } },
});
order.route('default', { to: order.version('v1') });
order.requireJwt('shop-idp', {
  issuer: 'https://idp.example.com',
  jwksUri: 'https://idp.example.com/.well-known/jwks.json',
  audiences: ['shop-api'],
  fromHeaders: [{ name: 'authorization', prefix: 'Bearer ' }],
  forwardOriginalToken: true,
});
order.allow('customers', { from: { jwtClaims: { scope: ['orders:write'] } }, to: { methods: ['POST'], paths: ['/orders*'] } });
order.deny('no-admin-from-outside', { from: { ipBlocks: ['0.0.0.0/0'] }, to: { paths: ['/admin*'] } });
order.slo('availability', { availability: 99.5, windowDays: 30 });

const user = commerce.service('user-service', {
  port: 8080,
  versions: { v1: { image: 'example/user-service:1.0.0', replicas: 2 } },
  calls: [order],
  serviceAccount: 'user-service-sa',
  observability: { tracingSamplingPercent: 50 },
});
user.route('old-profile', {
  match: { path: { prefix: '/profile' }, from: gatewaySvc },
  rewrite: { uri: '/users/me' },
  to: user,
});
user.route('default', { to: user });
trade.allow('from-order-namespace', { from: { namespaces: ['commerce'] }, to: { methods: ['POST'] } });

// Escape hatches (docs/kubernetes.md#escape-hatches): any cdk8s construct in a team's
// namespace, and JSON patches for fields no construct offers.
new ApiObject(commerce.chart, 'commerce-quota', { apiVersion: 'v1', kind: 'ResourceQuota', spec: { hard: { pods: '50', 'requests.cpu': '8' } } });
new ApiObject(commerce.chart, 'commerce-critical', {
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  value: 100000,
  description: 'commerce workloads that hold state',
});
mesh.patch('data-service-priority', {
  kind: 'Deployment',
  name: 'data-service-v1',
  ops: [JsonPatch.add('/spec/template/spec/priorityClassName', 'commerce-critical')],
});

// ── Ingress ─────────────────────────────────────────────────────────────────────────────────
const publicGateway = mesh.gateway('public', {
  hosts: ['shop.example.com'],
  tls: { secretName: 'shop-example-com-tls' },
});
publicGateway.route('users', { match: { path: { prefix: '/users' } }, to: user });
publicGateway.route('storefront', { match: { path: { prefix: '/' } }, to: gatewaySvc });

export default mesh;
