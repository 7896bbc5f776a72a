/**
 * The plan for a cluster (`--target URL`): probes reach the mesh only through the overlay's
 * gateway and the probe clients' forward endpoint (src/verify/overlay/model.ts), so what needs
 * a vantage point inside the cluster network becomes a `notVerified` entry with the reason,
 * never a silent drop or a false pass:
 * - mTLS (a plaintext request straight at a pod needs a client without a sidecar inside the
 *   cluster network);
 * - retry cases whose answer is not an echo's (reset, per-try timeout): retry cases answered by
 *   an echo use its own attempt count, exact only with one instance (mirrors are judged by the
 *   mirror target's counts, read through a caller's probe client, ../drive/forward-transport.ts);
 * - service rate limits are probed through the caller's probe client against every receiving
 *   instance's bucket together (probes through a sidecar spread over the instances; up to 8);
 * - on Consul, everything judged by the weft proxy's response flags (`x-weft-response-flags`:
 *   FI, DI, RL, UO): faults, rate limits, breaker pools, and routes with a fault (their aborted
 *   answers are told apart by FI). On Istio the overlay makes every Envoy report its flags in that
 *   header (src/targets/istio/response-flags-envoy-filter.ts): those checks are kept, marked
 *   `flagsFromOverlay` (inconclusive when no reply carried the header, ../judge.ts);
 * - with an https target (a TLS gateway's routes), every in-mesh check: the overlay's own gateway
 *   to the probe clients listens on plain http, so a cluster run is two runs, one per scheme;
 * - authorization cells of identities that do not declare a call to the service (only a calling
 *   service has a probe client, and its sidecar routes only what it calls), and the no-identity
 *   cell;
 * - TCP connection limits (held connections), gRPC retry counts (arrivals at every callee
 *   instance); gRPC and TCP routes and splits, gRPC timeouts and the gRPC/TCP authorization cells
 *   of calling identities go through the probe clients' gRPC and TCP forward endpoints.
 */
import type { NotVerified } from '../report';
import type { Plan, PlannedCheck } from './types';

/** `calls`: `<ns>/<caller> → <ns>/<callee>` for every declared call between services. */
export function planForTarget(plan: Plan, calls: ReadonlySet<string>, mesh: string, scheme: 'http' | 'https' = 'http'): Plan {
  const marked = planForTargetChecks(plan, calls, mesh, scheme);
  // On Istio the checks judged by response flags read them from the overlay's header: inconclusive when absent.
  if (mesh === 'istio') for (const c of marked.checks) if (judgedByFlags(c)) c.flagsFromOverlay = true;
  return marked;
}

function judgedByFlags(c: PlannedCheck): boolean {
  const s = c.spec;
  return s.type === 'fault' || s.type === 'rate-limit' || s.type === 'circuit-breaker' || (s.type === 'routing' && s.probes.some((p) => p.expected.kind === 'forward' && p.expected.abortStatus !== undefined));
}

function planForTargetChecks(plan: Plan, calls: ReadonlySet<string>, mesh: string, scheme: 'http' | 'https'): Plan {
  const notVerified: NotVerified[] = [...plan.notVerified];
  const skip = (c: PlannedCheck, reason: string) => notVerified.push({ kind: c.kind, declaration: c.declaration, reason: `${c.id}: ${reason} (--target)` });
  const checks: PlannedCheck[] = [];
  for (const c of plan.checks) {
    const s = c.spec;
    const flagged = judgedByFlags(c);
    // A plan derived for the local mesh probes each gateway server on its own scheme: one target URL has one.
    if (c.via.gateway && c.via.scheme !== undefined && c.via.scheme !== scheme) skip(c, `the gateway server is ${c.via.scheme}; this run's target is ${scheme}: run --target ${c.via.scheme}://… to probe it`);
    else if (scheme === 'https' && !c.via.gateway) skip(c, 'probe clients are reached through the overlay\'s weft-verify gateway on plain http (port 80): run --target http://… for the in-mesh checks; this https run probes the TLS gateways\' routes');
    // Istio's overlay makes every Envoy report its flags in the same header (src/targets/istio/response-flags-envoy-filter.ts).
    else if (mesh !== 'weft' && mesh !== 'istio' && flagged) skip(c, `judged by the weft proxy's response flags (FI, DI, RL, UO), which a ${mesh} overlay does not expose in a response header (Consul: not done)`);
    else if (s.type === 'mtls') skip(c, 'a plaintext request straight at a pod needs a client inside the cluster network without a sidecar');
    // Through a cluster's ingress gateway, which runs replicas behind its Service: each holds its
    // own connection pool and its own round-robin / least-request state, and the verifier cannot
    // tell how many take its probes. A consistent hash (the same ring everywhere) and random
    // picks do not depend on that.
    else if (c.via.gateway && (s.type === 'circuit-breaker' || (s.type === 'load-balancer' && (s.policy === 'round-robin' || s.policy === 'least-request')))) skip(c, `through the cluster's ingress gateway: each gateway replica keeps its own ${s.type === 'circuit-breaker' ? 'connection pool' : `${s.policy} state`}, and how many replicas take the probes is not known to the verifier`);
    else if (s.type === 'outlier') skip(c, 'the failures are counted at one callee instance, which the verifier reads only on a local mesh')
    else if (s.type === 'tcp-limit') skip(c, 'the limit is held open connection by connection; the probe clients\' TCP forward endpoint opens a connection, exchanges a line and closes it');
    else if (s.type === 'grpc-retries') skip(c, 'attempts of a failing call are counted at every callee instance, which the verifier reads only on a local mesh (a failed call carries no echo reply to read the count from)');
    else if (s.type === 'authorization' && s.protocol === 'tcp') {
      // TCP cells of a calling identity go through its probe client's TCP forward endpoint; the others need a direct client.
      const cells = s.cells.filter((cell) => cell.throughProxy);
      const dropped = s.cells.length - cells.length;
      if (dropped) skip(c, `${dropped} of ${s.cells.length} cells: their identity declares no call to ${s.service.name} (connections go through a caller's probe client and sidecar; no direct client)`);
      const allowed = cells.filter((x) => x.allowed).length;
      if (cells.length) checks.push({ ...c, probes: cells.length, expectation: `${allowed} allowed / ${cells.length - allowed} denied (closed unanswered) of ${cells.length} caller × connection cells from probe clients`, spec: { ...s, cells } });
    }
    else if (s.type === 'connect-failure') skip(c, 'a refused connection needs a second proxy of the caller with a closed endpoint, which the verifier runs only next to a local mesh');
    else if (s.type === 'switch-flip') skip(c, 'a cluster\'s switches are the weft-switches ConfigMaps: the verifier flips only a local mesh\'s switches file (weft switch --env prints the kubectl patch)');
    else if (s.type === 'rate-limit' && s.direct) {
      // Through the caller's probe client and sidecar, the probes spread over every instance the
      // route reaches: the ceiling is those instances' buckets together.
      const b = s.receivers ?? 0;
      if (b < 1 || b > 8) skip(c, `the bucket is per receiving instance; probes through a sidecar spread over ${b < 1 ? 'instances the plan cannot count' : `${b} instances, too many for one burst to fill every bucket`}`);
      else
        checks.push({
          ...c,
          probes: Math.ceil(32 + b * s.burst * 3 + b * Math.min(s.burst, s.requests) * 2),
          expectation: `${s.requests} requests per ${s.perMs} ms, burst ${s.burst}, in each of the ${b} receiving instance(s), probed through ${c.via.caller.name}'s probe client: ceiling within 10 % of their buckets together, then the refill`,
          spec: { ...s, direct: false, buckets: b },
        });
    }
    else if (s.type === 'retries') {
      const observable = s.retry.cases.filter((k) => k.controls.startsWith('status=') && s.instances === 1);
      for (const k of s.retry.cases.filter((x) => !observable.includes(x))) {
        skip(c, `"${k.name}": ${s.instances > 1 ? `attempts spread over ${s.instances} instances, each counting its own` : 'the caller gets no echo answer to read the attempt count from'}`);
      }
      if (observable.length) checks.push({ ...c, probes: observable.length * 2, spec: { ...s, retry: { ...s.retry, cases: observable } } });
    } else if (s.type === 'authorization' && s.protocol === 'grpc') {
      // gRPC cells of a calling identity go through its probe client's gRPC forward endpoint; the others need a direct client.
      const cells = s.cells.filter((cell) => cell.throughProxy);
      const dropped = s.cells.length - cells.length;
      if (dropped) skip(c, `${dropped} of ${s.cells.length} cells: their identity declares no call to ${s.service.name} (gRPC calls go through a caller's probe client and sidecar; no direct client)`);
      const allowed = cells.filter((x) => x.allowed).length;
      if (cells.length) checks.push({ ...c, probes: cells.length, expectation: `${allowed} allowed / ${cells.length - allowed} denied (PERMISSION_DENIED) of ${cells.length} caller × call cells from probe clients`, spec: { ...s, cells } });
    } else if (s.type === 'authorization') {
      const callee = `${s.service.namespace}/${s.service.name}`;
      const cells = s.cells.filter((cell) => cell.caller && calls.has(`${cell.caller.namespace}/${cell.caller.name} → ${callee}`));
      const dropped = s.cells.length - cells.length;
      if (dropped) skip(c, `${dropped} of ${s.cells.length} cells: their identity declares no call to ${s.service.name} (probes go through a caller's probe client and sidecar; no plaintext client)`);
      const allowed = cells.filter((x) => x.allowed).length;
      if (cells.length) checks.push({ ...c, probes: cells.length, expectation: `${allowed} allowed / ${cells.length - allowed} denied (403) of ${cells.length} caller × request cells from probe clients`, spec: { ...s, cells } });
    } else checks.push(c);
  }
  return { ...plan, checks, notVerified };
}
