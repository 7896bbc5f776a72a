/**
 * Degradation in the weft proxy config (docs/degradation.md): fallbacks and switch rules on the
 * caller's outbound routes, shaping instead of the token bucket, the ratio breaker on the called
 * service, and the switches file: one ConfigMap `weft-switches` per namespace (the states this
 * environment declares), mounted as a directory so that `kubectl apply`/`weft switch` flips reach
 * the proxies within the kubelet's sync period, without a config change or a restart.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically
 */
import type { At } from '../../diagnostics/location';
import { sameService } from '../../model/common';
import { switchState, type FallbackAnswer, type Fallback } from '../../model/degradation';
import type { Environment, MeshModel } from '../../model/mesh';
import type { RateLimit } from '../../model/resilience';
import type { Service } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import type { Manifest } from '../target';
import type { Report } from '../../diagnostics/reporter';
import { commonLabels } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import type { RouteInput, RouteScope } from './routes';

export const SWITCHES_CONFIGMAP = 'weft-switches';
export const SWITCHES_DIR = '/etc/weft-switches';
export const SWITCHES_KEY = 'switches.json';

type AnswerInput = { response: { status: number; headers?: Record<string, string>; body?: string } } | { to: { service: string; subset?: string } };

/** Whether the mesh declares switches (then every weft workload mounts the switches file). */
export function meshHasSwitches(model: MeshModel): boolean {
  return (model.switches ?? []).length > 0;
}

/**
 * The proxy's `switches`: each switch with this environment's state as its default, and where
 * the state file is. The file (the `weft-switches` ConfigMap, or a local copy `weft switch
 * --file` edits) overrides at runtime; until it is read — or where there is none, as in a local
 * mesh — the proxy sheds exactly what the environment declares. `model` is the environment's
 * model (`modelForEnvironment`: its one environment).
 */
export function switchesConfig(model: MeshModel): ProxyConfigInput['switches'] | undefined {
  if (!meshHasSwitches(model)) return undefined;
  const env = model.environments[0];
  return { declared: model.switches!.map((s) => ({ name: s.name, default: env ? switchState(s, env) : s.default })), file: `${SWITCHES_DIR}/${SWITCHES_KEY}` };
}

/** Each switch's state in this environment: the environment's setting, else the switch's default. */
export function switchStates(model: MeshModel, env: Environment): Record<string, 'on' | 'off'> {
  return Object.fromEntries((model.switches ?? []).map((s) => [s.name, switchState(s, env)]));
}

/** The ConfigMap holding the switches file, one per namespace with weft workloads. */
export function switchesConfigMap(model: MeshModel, env: Environment, namespace: string, json: (v: unknown) => string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: SWITCHES_CONFIGMAP, namespace, labels: commonLabels(model, SWITCHES_CONFIGMAP), annotations: syncWave(SyncWave.foundation) },
    data: { [SWITCHES_KEY]: json({ switches: switchStates(model, env) }) },
  };
}

/** A model answer as the proxy takes it; undefined when its destination cannot be compiled (already reported). */
function answerInput(scope: RouteScope, a: FallbackAnswer, at: At): AnswerInput | undefined {
  if (a.kind === 'response') return { response: { status: a.response.status, ...(a.response.headers ? { headers: { ...a.response.headers } } : {}), ...(a.response.body !== undefined ? { body: a.response.body } : {}) } };
  const target = scope.index.service(a.service);
  if (!target) return undefined;
  if (a.version !== undefined && !target.versions.some((v) => v.name === a.version)) return undefined;
  const name = scope.table.add(target, 'none', at);
  if (name === undefined) return undefined;
  return { to: { service: name, ...(a.version !== undefined ? { subset: a.version } : {}) } };
}

export function fallbackInput(scope: RouteScope, f: Fallback, at: At): RouteInput['fallback'] | undefined {
  const answer = answerInput(scope, f.answer, at);
  return answer && ({ on: [...f.on], ...answer } as RouteInput['fallback']);
}

/** The caller's switch rules for its calls to `owner`, in declaration order. */
export function degradeInput(scope: RouteScope, owner: Service): RouteInput['degrade'] | undefined {
  const rules = (scope.caller.degrade ?? []).filter((d) => d.calls.some((c) => sameService(c, owner)));
  const out: NonNullable<RouteInput['degrade']> = [];
  for (const d of rules) {
    const answer = answerInput(scope, d.answer, d);
    if (answer) out.push({ switch: d.switch, ...answer } as NonNullable<RouteInput['degrade']>[number]);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The service's `rate-limited` fallback, answered where its limit rejects: the inbound listener
 * (as Istio's `<service>-fallbacks` local reply mapper on SIDECAR_INBOUND). A caller's proxy sees
 * only the 429 of another proxy, never its RL flag, so its own fallback cannot answer it.
 * A `to` fallback cannot answer inbound (the listener reaches only its application): callers
 * get the 429.
 */
export function inboundFallbackInput(service: Service): { on: ['rate-limited']; response: NonNullable<Extract<AnswerInput, { response: unknown }>['response']> } | undefined {
  const f = service.resilience.fallback;
  if (!service.resilience.rateLimit || !f || !f.on.includes('rate-limited') || f.answer.kind !== 'response') return undefined;
  const r = f.answer.response;
  return { on: ['rate-limited'], response: { status: r.status, ...(r.headers ? { headers: { ...r.headers } } : {}), ...(r.body !== undefined ? { body: r.body } : {}) } };
}

/**
 * WEFT671: `rate-limited` fallbacks that the service's own rate limit never meets as declared.
 * That limit rejects in the service's inbound listener, which reaches only its application and
 * answers only with a preset response; the callers' proxies then see a 429 from another proxy,
 * not a rate-limit rejection of their own (no RL flag), so neither a fallback `to` another
 * service nor a caller's own call fallback answers it — callers get the 429 (or the service's
 * preset answer). Route rate limits reject in the caller's proxy, where both apply.
 */
export function reportRateLimitedFallbacks(model: MeshModel, report: Report): void {
  const byRef = new Map(model.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  for (const s of model.services) {
    const f = s.resilience.fallback;
    if (s.resilience.rateLimit && f?.on.includes('rate-limited') && f.answer.kind === 'destination')
      report('WEFT671', s, `the "rate-limited" fallback of service "${s.name}" sends to service "${f.answer.service.name}", which the weft proxy does not do for the service's own rate limit: its inbound listener rejects there and can only answer with a preset response, so callers get the 429`, `answer "rate-limited" with a response, or put the limit on routes (their rate limit rejects in the caller's proxy, where the fallback destination applies)`);
    for (const c of s.callFallbacks ?? []) {
      const callee = byRef.get(`${c.callee.namespace}/${c.callee.name}`);
      if (!c.fallback.on.includes('rate-limited') || !callee?.resilience.rateLimit) continue;
      report('WEFT671', c, `the fallback of service "${s.name}" for its calls to "${callee.name}" on "rate-limited" does not answer the rate limit of service "${callee.name}": that limit rejects in "${callee.name}"'s inbound listener, and "${s.name}"'s proxy sees only its 429${callee.resilience.fallback?.on.includes('rate-limited') ? ` (or "${callee.name}"'s own fallback answer)` : ''}`, `declare the "rate-limited" fallback on service "${callee.name}" (resilience.fallback), or limit the routes "${s.name}" calls instead`);
    }
  }
}

/** A rate limit in `shape` mode: the leaky bucket (the same rate, `maxQueue` waiting). */
export function shapingInput(limit: RateLimit): RouteInput['shape'] {
  return { requests: limit.requests, perMs: limit.perMs, maxQueue: limit.maxQueue ?? limit.burst };
}

/**
 * Adds fallback, switch rules and shaping to one compiled route of `owner`. The caller's own
 * fallback for its calls to `owner` (`caller.fallbackFor(owner, …)`) wins over the route's and
 * the service's, which are the callee's defaults for every caller.
 */
export function addDegradation(scope: RouteScope, owner: Service, route: RouteInput, fallback: Fallback | undefined, at: At): void {
  const degrade = degradeInput(scope, owner);
  if (degrade) route.degrade = degrade;
  const own = (scope.caller.callFallbacks ?? []).find((c) => sameService(c.callee, owner));
  const f = own ? fallbackInput(scope, own.fallback, own) : fallback && fallbackInput(scope, fallback, at);
  if (f) route.fallback = f;
}
