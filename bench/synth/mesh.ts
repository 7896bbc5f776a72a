import { Mesh, duration } from '../../src/index';
import type { Service } from '../../src/constructs/service';

/** Teams in the generated mesh; services are spread evenly over them. */
export const TEAMS = 10;

/**
 * A synthetic mesh of `services` services built with the real constructs: 10 teams, 2
 * versions per service, 3 routes per service, and every policy kind — timeout, retries,
 * circuit breaker, rate limit, load balancer, fault (every 4th service), mirror (every 5th),
 * an authorization allow rule for its callers, a JWT rule (every 3rd), an SLO, autoscaling, a
 * disruption budget and a ConfigMap. Each service calls the next one in its team, and every
 * 10th also one in the next team (never back to an earlier team, so the call graph stays
 * acyclic and the analyzer has nothing to report), so NetworkPolicies have real edges.
 */
export function generateMesh(services: number): Mesh {
  const mesh = new Mesh('bench', {
    environments: { bench: { mesh: 'istio' } },
    security: { mtls: 'strict', authorization: 'deny-by-default' },
    observability: { metrics: true, tracing: { samplingPercent: 1 }, accessLogs: false },
  });
  const teams = Array.from({ length: TEAMS }, (_, t) => mesh.team(`team-${t}`, { labels: { 'cost-center': `cc-${t}` } }));
  const created: Service[][] = teams.map(() => []);
  for (let i = 0; i < services; i++) {
    const t = i % TEAMS;
    const team = teams[t]!;
    const name = `svc-${i}`;
    const svc = team.service(name, {
      port: 8080,
      versions: {
        v1: { image: `registry.example.com/${name}:1.0.0`, replicas: 2, env: { LOG_LEVEL: 'info' }, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
        v2: { image: `registry.example.com/${name}:1.1.0`, replicas: 1, env: { LOG_LEVEL: 'debug' }, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
      },
      probes: { readiness: { path: '/ready' }, liveness: { path: '/healthz', period: duration.seconds(20) } },
      config: { 'app.json': { name, feature: { enabled: i % 2 === 0 } } },
      configValues: { REGION: 'eu-west-1' },
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuPercent: 75 },
      disruptionBudget: { maxUnavailable: 1 },
      resilience: {
        timeout: duration.seconds(3),
        retries: { attempts: 2, perTryTimeout: duration.millis(800), on: ['5xx', 'reset', 'connect-failure'] },
        circuitBreaker: { consecutive5xx: 5, interval: duration.seconds(10), baseEjection: duration.seconds(30), maxConnections: 100 },
        rateLimit: { requests: 100, per: duration.seconds(1) },
        loadBalancer: i % 2 === 0 ? { policy: 'least-request' } : { policy: 'consistent-hash', header: 'x-user' },
      },
    });
    created[t]!.push(svc);
    svc.route('beta-users', { match: { headers: { 'x-beta': 'true' } }, to: svc.version('v2') });
    svc.route('api', {
      match: { path: { prefix: '/api/' } },
      to: [svc.version('v1').weight(90), svc.version('v2').weight(10)],
      ...(i % 4 === 0 ? { fault: { delay: { fixed: duration.millis(100), percent: 1 } } } : {}),
      ...(i % 5 === 0 ? { mirror: { to: svc.version('v2'), percent: 5 } } : {}),
    });
    svc.route('default', { to: svc.version('v1') });
    if (i % 3 === 0) svc.requireJwt('users', { issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/.well-known/jwks.json' });
    svc.slo('availability', { availability: 99.9 });
  }
  // Calls and the matching allow rules, once every service exists.
  created.forEach((list, t) =>
    list.forEach((svc, k) => {
      const next = list[k + 1];
      if (next) {
        svc.addCalls(next);
        next.allow(`from-${svc.name}`, { from: { services: [svc] }, to: { methods: ['GET', 'POST'] } });
      }
      const other = t + 1 < TEAMS ? created[t + 1]![k] : undefined;
      if (k % 10 === 0 && other) {
        svc.addCalls(other);
        other.allow(`from-${svc.name}`, { from: { services: [svc] } });
      }
    }),
  );
  return mesh;
}
