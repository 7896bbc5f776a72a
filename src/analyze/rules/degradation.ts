import type { At } from '../../diagnostics/location';
import { sameService } from '../../model/common';
import type { Fallback, FallbackAnswer } from '../../model/degradation';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Rule, RuleContext } from '../rule';

/**
 * Degradation (docs/degradation.md) is implemented by the weft proxy. Where an environment's
 * mesh cannot express a declared piece, it is reported — never dropped silently:
 * - fallbacks: Consul has no declared fallback at all; callers get the mesh's error. (Istio
 *   answers preset fallbacks through local reply mappers; the Istio target reports what it does
 *   not express, WEFT848.)
 * - switches: not compiled into Consul routers; the calls are not shed there. (Istio gets them
 *   compiled into its VirtualServices.)
 * - the ratio breaker: Consul's outlier detection counts consecutive errors per host, not a
 *   failure ratio per service, and has no half-open probe count; only the declared consecutive
 *   limits apply. (Istio gets Envoy's failure-percentage ejection; the Istio target names what
 *   differs, WEFT849.)
 * - shaping: Envoy's local rate limit and Consul's rate limits only reject; the limit is
 *   emitted as a token bucket that rejects instead of queueing.
 * - `minHealthPercent` (Envoy's panic threshold): Consul has none. (The weft proxy and Istio apply it.)
 * Plus the references the other rules do not see: environment switch names, degraded calls the
 * service does not make, fallback destinations' versions.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/custom_response_filter
 */
export const degradation: Rule = {
  id: 'degradation',
  codes: {
    WEFT840: { severity: 'warning', title: 'fallback not expressed by the mesh' },
    WEFT841: { severity: 'warning', title: 'degradation switch not expressed by the mesh' },
    WEFT842: { severity: 'warning', title: 'ratio breaker not expressed by the mesh' },
    WEFT843: { severity: 'warning', title: 'shaping becomes rejection' },
    WEFT844: { severity: 'warning', title: 'minHealthPercent not applied by the mesh' },
    WEFT845: { severity: 'error', title: 'environment sets an undeclared switch' },
    WEFT846: { severity: 'error', title: 'degraded call the service does not make' },
    WEFT847: { severity: 'error', title: 'fallback destination unknown' },
    WEFT850: { severity: 'error', title: 'call fallback for a service the caller does not call' },
  },
  check(ctx) {
    const meshes = meshesOf(ctx.model);
    const others = meshes.filter((m) => m !== 'weft');
    const describe = (list: string[]) => list.map((m) => `${m} (environments ${ctx.model.environments.filter((e) => e.mesh === m).map((e) => `"${e.name}"`).join(', ')})`).join(' and ');
    const where = describe(others);
    // Meshes without any fallback: Istio's mapping is reported by the Istio target (WEFT848).
    const noFallbacks = others.filter((m) => m !== 'istio');
    // Istio compiles a switch's state into its routes (src/targets/istio/switch-routes.ts).
    const noSwitches = others.filter((m) => m !== 'istio');
    const declared = new Set((ctx.model.switches ?? []).map((s) => s.name));
    for (const env of ctx.model.environments) {
      for (const name of Object.keys(env.switches ?? {}).sort()) {
        if (!declared.has(name)) ctx.report('WEFT845', { path: `${ctx.model.name}/environments/${env.name}`, location: ctx.model.location }, `environment "${env.name}" sets switch "${name}", which the mesh does not declare`, `declare it with mesh.switch('${name}', { description, default }) or remove it from the environment`);
      }
    }
    for (const s of ctx.model.services) {
      const r = s.resilience;
      const fallbacks: Array<{ f: Fallback; at: At; what: string }> = [];
      if (r.fallback) fallbacks.push({ f: r.fallback, at: s, what: `service "${s.name}"` });
      for (const route of s.routes) if (route.fallback) fallbacks.push({ f: route.fallback, at: route, what: `route "${route.name}" of service "${s.name}"` });
      for (const { f, at, what } of fallbacks) {
        checkAnswer(ctx, f.answer, at, `the fallback of ${what}`);
        if (noFallbacks.length > 0) ctx.report('WEFT840', at, `${what} declares a fallback on ${f.on.join(', ')}, which ${describe(noFallbacks)} do not express: callers there get the mesh's error reply`, 'the weft proxy (and, for preset responses, Istio) answer with declared fallbacks; keep the fallback for those environments and handle the error in the caller elsewhere');
      }
      for (const c of s.callFallbacks ?? []) {
        const what = `the fallback of service "${s.name}" for its calls to "${c.callee.name}"`;
        checkAnswer(ctx, c.fallback.answer, c, what);
        if (!calls(s, c.callee)) ctx.report('WEFT850', c, `service "${s.name}" declares a fallback for its calls to "${c.callee.name}", which it does not call`, `add "${c.callee.name}" to the calls of "${s.name}", or remove the fallback`);
        if (noFallbacks.length > 0) ctx.report('WEFT840', c, `${what} (on ${c.fallback.on.join(', ')}) is not expressed by ${describe(noFallbacks)}: callers there get the mesh's error reply`, 'the weft proxy (and, for preset responses, Istio) answer with declared fallbacks; keep the fallback for those environments and handle the error in the caller elsewhere');
      }
      for (const d of s.degrade ?? []) {
        checkAnswer(ctx, d.answer, d, `the degradation "${d.switch}" of service "${s.name}"`);
        for (const c of d.calls) if (!calls(s, c)) ctx.report('WEFT846', d, `service "${s.name}" degrades its calls to "${c.name}" under switch "${d.switch}", but does not call "${c.name}"`, `add "${c.name}" to the calls of "${s.name}", or remove it from the degradation`);
        if (noSwitches.length > 0) ctx.report('WEFT841', d, `switch "${d.switch}" sheds calls of service "${s.name}", which ${describe(noSwitches)} do not express: the calls are never shed there`, 'switches flip at runtime in the weft mesh and are compiled into the routes in Istio; elsewhere change the routes in mesh.config.ts');
      }
      const cb = r.circuitBreaker;
      // Istio maps it to failure-percentage outlier detection and names the differences (WEFT849).
      const noRatio = others.filter((m) => m !== 'istio');
      if (cb?.ratio && noRatio.length > 0) ctx.report('WEFT842', s, `the ratio breaker of service "${s.name}" (open above ${cb.ratio.failureRatioPercent}% failures over at least ${cb.ratio.minRequests} requests, ${cb.ratio.halfOpenProbes} half-open probes) is not expressed by ${describe(noRatio)}: their outlier detection ejects single hosts after consecutive errors and has no half-open probe count`, 'declare consecutive5xx / consecutiveGatewayErrors as well for those meshes; the ratio breaker applies in weft environments');
      // The weft proxy has Envoy's panic mode (src/proxy/cluster/endpoint-set.ts); Istio writes
      // outlierDetection.minHealthPercent; Consul has no panic threshold.
      const noPanic = meshes.filter((m) => m === 'consul');
      if (cb?.minHealthPercent !== undefined && noPanic.length > 0) ctx.report('WEFT844', s, `service "${s.name}" declares minHealthPercent ${cb.minHealthPercent}, which ${describe(noPanic)} do not apply: Consul's passive health checks have no panic threshold`, 'rely on maxEjectionPercent to keep hosts in rotation there; Istio and the weft proxy apply minHealthPercent');
      const limits = [{ l: r.rateLimit, at: s as At, what: `service "${s.name}"` }, ...s.routes.map((rt) => ({ l: rt.rateLimit, at: rt as At, what: `route "${rt.name}" of service "${s.name}"` }))];
      for (const { l, at, what } of limits) if (l?.mode === 'shape' && others.length > 0) ctx.report('WEFT843', at, `the rate limit of ${what} shapes (queues up to ${l.maxQueue} requests), which ${where} cannot: there it rejects what exceeds the rate with 429`, 'shaping applies in weft environments; size the token bucket burst for the others');
    }
  },
};

function meshesOf(model: MeshModel): string[] {
  return [...new Set(model.environments.map((e) => e.mesh))].sort();
}

function calls(s: Service, target: { namespace: string; name: string }): boolean {
  return s.calls.some((c) => c.target.kind === 'service' && sameService(c.target.service, target));
}

function checkAnswer(ctx: RuleContext, a: FallbackAnswer, at: At, what: string): void {
  if (a.kind !== 'destination') return;
  const target = ctx.index.service(a.service);
  if (!target) return ctx.report('WEFT847', at, `${what} sends to service "${a.service.name}", which is not declared`, 'send to a declared service, or answer with a response');
  if (a.version !== undefined && !target.versions.some((v) => v.name === a.version)) ctx.report('WEFT847', at, `${what} sends to version "${a.version}" of service "${target.name}", which it does not declare`, `use one of ${target.versions.map((v) => `"${v.name}"`).join(', ')}`);
}
