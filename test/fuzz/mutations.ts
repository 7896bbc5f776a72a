import type { FuzzConfig } from './config';

/**
 * Ways to make the base mesh wrong, each with a pool of bad values. Every value in every pool
 * is invalid input (Kubernetes, Istio or Envoy would refuse it, or Weft would have to drop or
 * change it), so a variant must end as a coded diagnostic: accepting one is a fuzz failure.
 */
export interface Mutation {
  id: string;
  /** The group: names, labels, ports, workload, networking, regex, jwt, numbers, dropped, duplicates. */
  area: string;
  values: readonly unknown[];
  apply(config: FuzzConfig, value: unknown): void;
}

type Svc = FuzzConfig['teams'][number]['services'][number];
const front = (c: FuzzConfig): Svc => c.teams[0]!.services[0]!;
const api = (c: FuzzConfig): Svc => c.teams[0]!.services[1]!;
const p = (s: Svc) => s.props as Record<string, any>;
const v1 = (c: FuzzConfig) => p(front(c)).versions.v1 as Record<string, any>;
const canary = (c: FuzzConfig) => front(c).routes[0]!.props as Record<string, any>;

const BAD_NAMES = ['a/b', 'a\u0000b', 'x'.repeat(300), 'x'.repeat(64), 'Upper', '-lead', 'trail-', 'a_b', 'a.b', '', ' ', '..', 'ü', 'a b', 42, null, undefined];
const BAD_LABEL_KEYS = ['app', 'version', 'bad key', 'a/b/c', `${'x'.repeat(64)}`, '-x', 'x-', '/x', 'UPPER.example.com/', ''];
const BAD_LABEL_VALUES = ['x'.repeat(64), 'a b', '-a', 'a-', 'a/b', 'ü'];
const BAD_PORTS = [0, -1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '80'];
const BAD_QUANTITIES = ['-1', 'abc', '1.5.5', '12XB', '-64Mi', '', '1e', 'Mi', '0x10', ' 1'];
const BAD_HOSTS = ['a b', '*.*.example.com', 'x..y', 'http://x.example.com', '', 'exa_mple.com', '-a.example.com', 'a.example.com/path', 'x'.repeat(254), 'a.example.com:443'];
const BAD_DURATIONS = ['1000000000000000s', '-1s', '1y', 'abc', '1.5.5s', '9007199254740993ms', '99999999999h'];
const BAD_REGEXES = ['(?=x)', '(a)\\1', 'a{1001}', '(', '[', '(?<name>x)(?P=name)', 'x**', '\\'];
const BAD_METHODS = ['FETCH', 'GE T', '', 'G\nET', 'get\r'];
const BAD_HEADER_NAMES = ['bad header', 'x:y', '', 'x\r\ny', 'ü', '(x)'];
const BAD_HEADER_VALUES = ['a\r\nx-injected: 1', 'a\nb', 'a\u0000b', 'a\rb'];
const BAD_PATHS = ['healthz', '', 'relative/path', ' /x', '/a\nb'];

export const MUTATIONS: readonly Mutation[] = [
  // ── names ──
  { id: 'service-name', area: 'names', values: BAD_NAMES, apply: (c, v) => void (front(c).name = v) },
  { id: 'team-name', area: 'names', values: BAD_NAMES, apply: (c, v) => { c.teams[1]!.name = v; delete c.teams[1]!.props.namespace; } },
  { id: 'namespace', area: 'names', values: BAD_NAMES.filter((n) => n !== undefined), apply: (c, v) => void (c.teams[1]!.props.namespace = v) },
  { id: 'version-name', area: 'names', values: BAD_NAMES.filter((n) => typeof n === 'string'), apply: (c, v) => { p(api(c)).versions = { [v as string]: { image: 'example/api:2.0' } }; } },
  { id: 'gateway-name', area: 'names', values: BAD_NAMES, apply: (c, v) => void (c.gateways[0]!.name = v) },
  { id: 'external-name', area: 'names', values: BAD_NAMES, apply: (c, v) => void (c.teams[0]!.externals[0]!.name = v) },
  { id: 'route-name', area: 'names', values: BAD_NAMES, apply: (c, v) => void (front(c).routes[1]!.name = v) },
  { id: 'mesh-name', area: 'names', values: BAD_NAMES, apply: (c, v) => void (c.mesh.name = v) },
  { id: 'service-account', area: 'names', values: BAD_NAMES.filter((n) => n !== undefined), apply: (c, v) => void (p(front(c)).serviceAccount = v) },
  { id: 'service-name-digit-start', area: 'names', values: ['1front', '9'], apply: (c, v) => void (api(c).name = v) },
  // ── labels ──
  { id: 'version-label-key', area: 'labels', values: BAD_LABEL_KEYS, apply: (c, v) => void (v1(c).labels = { [v as string]: 'x' }) },
  { id: 'version-label-value', area: 'labels', values: BAD_LABEL_VALUES, apply: (c, v) => void (v1(c).labels = { tier: v }) },
  { id: 'team-label-key', area: 'labels', values: BAD_LABEL_KEYS.filter((k) => k !== 'app' && k !== 'version'), apply: (c, v) => void (c.teams[0]!.props.labels = { [v as string]: 'x' }) },
  { id: 'team-label-value', area: 'labels', values: BAD_LABEL_VALUES, apply: (c, v) => void (c.teams[0]!.props.labels = { team: v }) },
  { id: 'gateway-selector', area: 'labels', values: BAD_LABEL_VALUES, apply: (c, v) => void (c.gateways[0]!.props.selector = { istio: v }) },
  // ── ports and probes ──
  { id: 'service-port', area: 'ports', values: BAD_PORTS, apply: (c, v) => void (p(front(c)).port = v) },
  { id: 'target-port', area: 'ports', values: BAD_PORTS, apply: (c, v) => void (p(api(c)).ports[0].targetPort = v) },
  { id: 'port-name', area: 'ports', values: ['http-this-name-is-far-too-long', 'HTTP', 'http_web', '-http', 'http--web', '1234', ''], apply: (c, v) => void (p(api(c)).ports[0].name = v) },
  { id: 'port-name-duplicate', area: 'ports', values: ['http-web'], apply: (c, v) => void p(api(c)).ports.push({ port: 81, name: v }) },
  { id: 'port-duplicate', area: 'ports', values: [80], apply: (c, v) => void p(api(c)).ports.push({ port: v, name: 'http-two' }) },
  { id: 'probe-path', area: 'ports', values: BAD_PATHS, apply: (c, v) => void (p(front(c)).probes.readiness.path = v) },
  { id: 'probe-port', area: 'ports', values: BAD_PORTS, apply: (c, v) => void (p(front(c)).probes.readiness.port = v) },
  { id: 'mount-path', area: 'ports', values: BAD_PATHS, apply: (c, v) => void (p(front(c)).configMountPath = v) },
  { id: 'external-port', area: 'ports', values: BAD_PORTS, apply: (c, v) => void (c.teams[0]!.externals[0]!.props.ports = [{ port: v }]) },
  { id: 'gateway-port', area: 'ports', values: BAD_PORTS, apply: (c, v) => void (c.gateways[0]!.props.port = v) },
  { id: 'authz-port', area: 'ports', values: BAD_PORTS, apply: (c, v) => void ((api(c).allows[0]!.props as any).to.ports = [v]) },
  { id: 'route-destination-port', area: 'ports', values: [0, -1, 65536, 1.5], apply: (c, v) => { delete canary(c).to; canary(c).redirect = { port: v }; } },
  // ── workload values ──
  { id: 'cpu-request', area: 'workload', values: BAD_QUANTITIES, apply: (c, v) => void (v1(c).resources.requests.cpu = v) },
  { id: 'memory-limit', area: 'workload', values: BAD_QUANTITIES, apply: (c, v) => void (v1(c).resources.limits = { memory: v }) },
  { id: 'pdb', area: 'workload', values: ['150%', 'abc', -1, '-5%', '1.5', 1.5], apply: (c, v) => void (p(front(c)).disruptionBudget = { minAvailable: v }) },
  { id: 'pdb-both', area: 'workload', values: [1], apply: (c, v) => void (p(front(c)).disruptionBudget = { minAvailable: v, maxUnavailable: v }) },
  { id: 'image', area: 'workload', values: ['', 'Upper/Case:1', 'a b:1', 'x:', '@sha256:zz', 'x@sha256:123', 'x:tag with space', ':1', 'x:\n1'], apply: (c, v) => void (v1(c).image = v) },
  { id: 'env-name', area: 'workload', values: ['1ABC', 'A B', 'A=B', '', 'ü'], apply: (c, v) => void (v1(c).env = { [v as string]: 'x' }) },
  { id: 'config-value-name', area: 'workload', values: ['1ABC', 'A B', 'A=B', '', 'a/b'], apply: (c, v) => void (p(front(c)).configValues = { [v as string]: 'x' }) },
  { id: 'config-file-name', area: 'workload', values: ['a/b.json', '..', '', 'a b', '.'], apply: (c, v) => void (p(front(c)).config = { [v as string]: 'x' }) },
  { id: 'replicas', area: 'workload', values: [-1, 1.5, Number.NaN], apply: (c, v) => void (v1(c).replicas = v) },
  // Volumes, mounts and security context (docs/kubernetes.md): each value is refused by the API server or the kubelet.
  { id: 'mount-path', area: 'workload', values: BAD_PATHS, apply: (c, v) => { p(front(c)).volumes = { scratch: { emptyDir: {} } }; p(front(c)).mounts = [{ volume: 'scratch', mountPath: v }]; } },
  { id: 'mount-undeclared', area: 'workload', values: ['missing', 'tmp'], apply: (c, v) => void (p(front(c)).mounts = [{ volume: v, mountPath: '/data' }]) },
  { id: 'mount-twice', area: 'workload', values: ['/data', '/data/', '//data'], apply: (c, v) => { p(front(c)).volumes = { a: { emptyDir: {} }, b: { emptyDir: {} } }; p(front(c)).mounts = [{ volume: 'a', mountPath: '/data' }, { volume: 'b', mountPath: v }]; } },
  { id: 'volume-name', area: 'workload', values: BAD_NAMES.filter((n) => typeof n === 'string').concat(['tmp', 'config']), apply: (c, v) => { p(front(c)).config = { 'a.json': {} }; p(front(c)).volumes = { [v as string]: { emptyDir: {} } }; p(front(c)).mounts = [{ volume: v, mountPath: '/data' }]; } },
  { id: 'volume-source', area: 'workload', values: [{}, { secret: { secretName: 'Bad/Name' } }, { emptyDir: {}, secret: { secretName: 'x' } }, { configMap: { name: 'x', items: { k: '../up' } } }, { persistentVolumeClaim: {} }, { emptyDir: { sizeLimit: '-1Gi' } }], apply: (c, v) => void (p(front(c)).volumes = { data: v }) },
  { id: 'run-as-user', area: 'workload', values: [-1, 1.5, Number.NaN, '1000', 0], apply: (c, v) => void (v1(c).securityContext = { runAsUser: v }) },
  { id: 'autoscaling-range', area: 'workload', values: [{ minReplicas: 5, maxReplicas: 2 }, { minReplicas: 1, maxReplicas: 3, targetCpuPercent: 0 }], apply: (c, v) => void (p(front(c)).autoscaling = v) },
  // ── networking ──
  { id: 'gateway-host', area: 'networking', values: BAD_HOSTS, apply: (c, v) => void (c.gateways[0]!.props.hosts = [v]) },
  { id: 'external-host', area: 'networking', values: BAD_HOSTS, apply: (c, v) => void (c.teams[0]!.externals[0]!.props.hosts = [v]) },
  { id: 'route-host', area: 'networking', values: BAD_HOSTS, apply: (c, v) => void (canary(c).hosts = [v]) },
  { id: 'external-address', area: 'networking', values: ['999.1.1.1', '10.0.0.0/33', 'abc', '1.2.3', '::g', ''], apply: (c, v) => Object.assign(c.teams[0]!.externals[0]!.props, { resolution: 'static', addresses: [v] }) },
  { id: 'ip-block', area: 'networking', values: ['999.1.1.1', '10.0.0.0/33', 'abc', '10.0.0.0/-1', ''], apply: (c, v) => void ((api(c).allows[0]!.props as any).from.ipBlocks = [v]) },
  { id: 'match-method', area: 'networking', values: BAD_METHODS, apply: (c, v) => void (canary(c).match.methods = [v]) },
  { id: 'authz-method', area: 'networking', values: BAD_METHODS, apply: (c, v) => void ((api(c).allows[0]!.props as any).to.methods = [v]) },
  { id: 'cors-method', area: 'networking', values: BAD_METHODS, apply: (c, v) => void (canary(c).cors = { allowOrigins: ['https://a.example.com'], allowMethods: [v] }) },
  { id: 'match-header-name', area: 'networking', values: BAD_HEADER_NAMES, apply: (c, v) => void (canary(c).match.headers = { [v as string]: 'x' }) },
  { id: 'set-header-name', area: 'networking', values: BAD_HEADER_NAMES, apply: (c, v) => void (canary(c).headers = { request: { set: { [v as string]: 'x' } } }) },
  { id: 'set-header-value', area: 'networking', values: BAD_HEADER_VALUES, apply: (c, v) => void (canary(c).headers = { response: { add: { 'x-a': v } } }) },
  { id: 'match-header-value', area: 'networking', values: BAD_HEADER_VALUES, apply: (c, v) => void (canary(c).match.headers = { 'x-a': { exact: v } }) },
  { id: 'lb-hash-header', area: 'networking', values: BAD_HEADER_NAMES, apply: (c, v) => void (p(front(c)).resilience.loadBalancer = { policy: 'consistent-hash', header: v }) },
  { id: 'rewrite-uri', area: 'networking', values: ['no-slash', '/a\r\nb', ''], apply: (c, v) => void (canary(c).rewrite = { uri: v }) },
  { id: 'match-path', area: 'networking', values: ['no-slash', '', '/a b', '/a\nb'], apply: (c, v) => void (canary(c).match.path = { prefix: v }) },
  { id: 'authz-path', area: 'networking', values: ['no-slash', '/a*b', '/*/x*', ''], apply: (c, v) => void ((api(c).allows[0]!.props as any).to.paths = [v]) },
  // ── regexes (RE2) ──
  { id: 'path-regex', area: 'regex', values: BAD_REGEXES, apply: (c, v) => void (canary(c).match.path = { regex: v }) },
  { id: 'header-regex', area: 'regex', values: BAD_REGEXES, apply: (c, v) => void (canary(c).match.headers = { 'x-a': { regex: v } }) },
  { id: 'cors-origin-regex', area: 'regex', values: BAD_REGEXES, apply: (c, v) => void (canary(c).cors = { allowOrigins: [{ regex: v }] }) },
  // ── JWT ──
  { id: 'jwks', area: 'jwt', values: ['{not json', '{"keys": 5}', '{}', '[]', '{"keys": []}', '{"keys": [{"kty": 1}]}', ''], apply: (c, v) => { const j = api(c).jwts[0]!.props; delete j.jwksUri; j.jwks = v; } },
  { id: 'jwks-uri', area: 'jwt', values: ['http://issuer.example.com/jwks', 'ftp://x/jwks', 'not a url', 'https://'], apply: (c, v) => void (api(c).jwts[0]!.props.jwksUri = v) },
  { id: 'jwt-header', area: 'jwt', values: BAD_HEADER_NAMES, apply: (c, v) => void (api(c).jwts[0]!.props.fromHeaders = [{ name: v }]) },
  // ── numbers ──
  { id: 'weight', area: 'numbers', values: [50.5, -20, Number.NaN, 101, Number.POSITIVE_INFINITY, '50'], apply: (c, v) => {
    // Another mutation of the same variant (route-destination-port) may have replaced the split by a redirect.
    const to = (canary(c).to ??= [{ svc: 'front', version: 'v1' }, { svc: 'front', version: 'v2' }]);
    to[0].weight = v;
    to[1].weight = 50;
  } },
  { id: 'service-weight', area: 'numbers', values: [50.5, -20, Number.NaN, 101], apply: (c, v) => void (c.gateways[0]!.routes[0]!.props.to = [{ svc: 'front', weight: v }, { svc: 'api', weight: 50 }]) },
  { id: 'timeout', area: 'numbers', values: BAD_DURATIONS, apply: (c, v) => void (p(front(c)).resilience.timeout = v) },
  { id: 'per-try-timeout', area: 'numbers', values: BAD_DURATIONS, apply: (c, v) => void (p(front(c)).resilience.retries.perTryTimeout = v) },
  { id: 'probe-period', area: 'numbers', values: [...BAD_DURATIONS, '0s'], apply: (c, v) => void (p(front(c)).probes.readiness.period = v) },
  { id: 'fault-delay', area: 'numbers', values: BAD_DURATIONS, apply: (c, v) => void (canary(c).fault = { delay: { fixed: v, percent: 10 } }) },
  { id: 'rate-interval', area: 'numbers', values: ['0s', '0ms', ...BAD_DURATIONS], apply: (c, v) => void (p(front(c)).resilience.rateLimit.per = v) },
  { id: 'percent', area: 'numbers', values: [-1, 101, Number.NaN, '50'], apply: (c, v) => void (canary(c).mirror = { to: { svc: 'api' }, percent: v }) },
  { id: 'retries', area: 'numbers', values: [-1, 1.5, Number.NaN, 2 ** 32], apply: (c, v) => void (p(front(c)).resilience.retries.attempts = v) },
  { id: 'cookie-ttl', area: 'numbers', values: BAD_DURATIONS, apply: (c, v) => void (p(front(c)).resilience.loadBalancer = { policy: 'consistent-hash', cookie: { name: 'session', ttl: v } }) },
  // ── declarations that would be dropped ──
  { id: 'override-undeclared-version', area: 'dropped', values: ['v9', 'v3'], apply: (c, v) => void ((c.mesh.props.environments as any).prod.services = { front: { versions: { [v as string]: { replicas: 2 } } } }) },
  { id: 'version-twice-in-split', area: 'dropped', values: ['v1', 'v2'], apply: (c, v) => void (canary(c).to = [{ svc: 'front', version: v, weight: 50 }, { svc: 'front', version: v, weight: 50 }]) },
  { id: 'config-not-json', area: 'dropped', values: ['bigint', 'cycle', 'function', 'symbol', 'undefined'], apply: (c, v) => {
    const bad: Record<string, unknown> = {};
    if (v === 'bigint') bad.n = BigInt(1);
    if (v === 'cycle') bad.self = bad;
    if (v === 'function') bad.f = () => 1;
    if (v === 'symbol') bad.s = Symbol('s');
    if (v === 'undefined') bad.u = undefined;
    p(front(c)).config = { 'app.json': bad };
  } },
  // ── duplicates ──
  { id: 'workload-across-teams', area: 'duplicates', values: ['same-namespace'], apply: (c) => {
    c.teams[1]!.props.namespace = 'web';
    c.teams[1]!.services[0]!.name = 'front';
    c.teams[1]!.services[0]!.props = { port: 8080, versions: { v1: { image: 'example/front:9' } } };
  } },
  { id: 'route-twice', area: 'duplicates', values: ['canary'], apply: (c, v) => void front(c).routes.push({ name: v, props: { to: { svc: 'front' } } }) },
  // ── unknown keys ──
  { id: 'unknown-key', area: 'keys', values: ['replica', 'portt', 'matchh'], apply: (c, v) => void (p(front(c))[v as string] = 1) },
  { id: 'unknown-match-key', area: 'keys', values: ['header', 'paths', 'method'], apply: (c, v) => void (canary(c).match[v as string] = 'x') },
];
