/**
 * Probes for degradation (docs/degradation.md): the fallback a caller gets when its call fails
 * for a declared reason, and the answer of a degradation switch that is on in the environment.
 * The echo is made to fail on purpose (`status=500`, `delay=…` past the timeout); the check
 * expects the declared preset answer with `x-weft-fallback: <reason>`, and for a switch, that the
 * callee's echoes saw nothing of the probes.
 */
import { sameService, type ServiceRef } from '../../model/common';
import { switchState, type Fallback } from '../../model/degradation';
import type { Environment, MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { CheckKind } from '../report';
import { declarationOf } from './declaration';
import type { PlannedCheck, ProbeRequest, Via } from './types';

export interface DegradationCase {
  name: string;
  /** The `x-weft-fallback` value expected: a reason, or `switch/<name>`. */
  reason: string;
  /** Echo query controls that provoke the reason; none for a switch. */
  controls?: string;
  status: number;
  body: string;
  /** Declared headers of the preset answer. */
  headers: Record<string, string>;
  /** For a switch: the callee must see none of these probes. */
  calleeUntouched?: ServiceRef;
}

type Node = Parameters<typeof declarationOf>[0];
type Skip = (kind: CheckKind, node: Node, reason: string) => void;

const PROBE: ProbeRequest = { method: 'GET', path: '/weft-default-probe', headers: {} };

/** The fallback `caller` gets on its calls to `service`: its own call fallback, else the service's. */
export function fallbackFor(caller: Service, service: Service): { fallback: Fallback; node: Node } | undefined {
  const own = (caller.callFallbacks ?? []).find((c) => sameService(c.callee, service));
  if (own) return { fallback: own.fallback, node: own };
  return service.resilience.fallback ? { fallback: service.resilience.fallback, node: service } : undefined;
}

export function planDegradation(model: MeshModel, env: Environment | undefined, service: Service, caller: Service, via: Via, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const ref = { namespace: service.namespace, name: service.name };
  const found = fallbackFor(caller, service);
  if (found) {
    const { fallback, node } = found;
    const cases: DegradationCase[] = [];
    if (fallback.answer.kind !== 'response') skip('fallback', node, `the fallback of "${service.name}" sends to another service; only preset answers are probed`);
    else if (service.routes.some((r) => r.fallback)) skip('fallback', node, `"${service.name}" has routes with their own fallbacks; the default probe could take either`);
    else {
      const r = fallback.answer.response;
      const answer = { status: r.status, body: r.body ?? '', headers: r.headers ?? {} };
      if (fallback.on.includes('5xx')) cases.push({ name: 'an upstream 500 gets the fallback', reason: '5xx', controls: 'status=500', ...answer });
      const timeout = service.resilience.timeoutMs;
      if (fallback.on.includes('timeout') && timeout !== undefined) cases.push({ name: `an upstream slower than ${timeout} ms gets the fallback`, reason: 'timeout', controls: `delay=${timeout + 1500}`, ...answer });
      for (const reason of fallback.on.filter((x) => x !== '5xx' && x !== 'timeout'))
        skip('fallback', node, `the "${reason}" fallback of "${service.name}" is not provoked by weft verify (test/proxy/degradation/fallback.test.ts covers it over sockets)`);
    }
    if (cases.length)
      checks.push({
        id: `fallback:${service.path}<-${caller.name}`,
        kind: 'fallback',
        title: `fallback of ${caller.name} → ${service.name}`,
        declaration: declarationOf(node),
        via,
        probes: cases.length,
        expectation: `${cases.map((c) => c.reason).join(', ')}: the declared answer with x-weft-fallback`,
        lane,
        phase: 'disruptive',
        spec: { type: 'fallback', request: PROBE, cases },
      });
  }
  for (const d of caller.degrade ?? []) {
    if (!d.calls.some((c) => sameService(c, ref))) continue;
    const sw = (model.switches ?? []).find((x) => x.name === d.switch);
    if (!sw) continue;
    if (!env || switchState(sw, env) !== 'on') {
      skip('fallback', d, `switch "${d.switch}" is off in this environment: the calls reach "${service.name}" (routing checks cover them); flipping it at runtime is tested in test/proxy/degradation/switch.test.ts`);
      continue;
    }
    if (d.answer.kind !== 'response') {
      skip('fallback', d, `switch "${d.switch}" sends to another service; only preset answers are probed`);
      continue;
    }
    const r = d.answer.response;
    checks.push({
      id: `switch:${d.path}->${service.name}`,
      kind: 'fallback',
      title: `switch ${d.switch}: ${caller.name} → ${service.name}`,
      declaration: declarationOf(d),
      via,
      probes: 5,
      expectation: `switch on: the declared answer with x-weft-fallback: switch/${d.switch}, and ${service.name} receives nothing`,
      lane,
      phase: 'deterministic',
      spec: {
        type: 'fallback',
        request: PROBE,
        cases: Array.from({ length: 5 }, (_, i) => ({ name: `probe ${i + 1} is answered by the switch`, reason: `switch/${d.switch}`, status: r.status, body: r.body ?? '', headers: r.headers ?? {}, calleeUntouched: ref })),
      },
    });
  }
}
