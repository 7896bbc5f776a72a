import { serviceKey } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Match } from '../../model/traffic';
import { callersOf, decide, probeLabel, probesOf, type Caller } from './authz';
import * as describe from './describe';
import { lookupOf } from './lookup';
import { classesOf, hostOfService, hostsOf, outcomeOf, unreachable, type ClassOutcome } from './routing';

/** One thing that changes for traffic, printed as one line. */
export interface TrafficChange {
  /** `routing` (per host and request class) or `authorization` (per caller × callee × request). */
  readonly section: 'routing' | 'authorization';
  /** The line without the risk marker, e.g. `order-service.commerce GET,POST /orders*: timeout 4s → 2s`. */
  readonly text: string;
  /** Why the change is risky, when it is. */
  readonly risk?: string;
}

const ASPECTS = ['route', 'action', 'timeout', 'retries', 'breaker', 'rateLimit', 'fault', 'mirror'] as const;
const ASPECT_LABEL: Record<(typeof ASPECTS)[number], string> = {
  route: 'route',
  action: 'action',
  timeout: 'timeout',
  retries: 'retries',
  breaker: 'circuit breaker',
  rateLimit: 'rate limit',
  fault: 'fault',
  mirror: 'mirror',
};

/** `order-service v1 90% → 80%, v2 10% → 20%`: every destination of either side, grouped by service. */
function weightChange(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): string | undefined {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  if (keys.every((k) => (before.get(k) ?? 0) === (after.get(k) ?? 0))) return undefined;
  const byService = new Map<string, string[]>();
  for (const k of keys) {
    const [svc, version] = k.split(' ') as [string, string];
    const list = byService.get(svc) ?? [];
    list.push(`${version === '*' ? 'all versions' : version} ${before.get(k) ?? 0}% → ${after.get(k) ?? 0}%`);
    byService.set(svc, list);
  }
  return [...byService].map(([svc, parts]) => `${svc} ${parts.join(', ')}`).join('; ');
}

function clauseKey(m: Match): string {
  return describe.requestClass(m);
}

/**
 * The routing changes between two models of one environment: for every host and every request
 * class either side defines, the outcome on each side, aspect by aspect; then routes that become
 * unreachable. A class is evaluated on both sides even when only one side declares it, so that
 * a changed match shows where its requests go now.
 */
export function routingChanges(before: MeshModel, after: MeshModel): TrafficChange[] {
  const out: TrafficChange[] = [];
  const hb = hostsOf(before);
  const ha = hostsOf(after);
  const hosts = [...new Set([...hb.keys(), ...ha.keys()])].sort();
  for (const host of hosts) {
    const b = hb.get(host);
    const a = ha.get(host);
    if (!b || !a) {
      out.push({ section: 'routing', text: `${host}: ${b ? 'removed' : 'added'}` });
      continue;
    }
    const classes = new Map<string, Match>();
    for (const m of [...classesOf(b.routes), ...classesOf(a.routes)]) if (!classes.has(clauseKey(m))) classes.set(clauseKey(m), m);
    for (const [label, clause] of [...classes].sort(([x], [y]) => (x === 'any request' ? 1 : y === 'any request' ? -1 : describe.byCodePoint(x, y)))) {
      const ob = outcomeOf(before, b, clause);
      const oa = outcomeOf(after, a, clause);
      out.push(...classChanges(`${host} ${label}`, ob, oa, before, after));
    }
    const ub = unreachable(b.routes);
    const ua = unreachable(a.routes);
    for (const [route, by] of ua)
      if (!ub.has(route)) out.push({ section: 'routing', text: `${host}: route "${route}" becomes unreachable (shadowed by "${by}")`, risk: 'a declared route no longer receives traffic' });
    for (const route of ub.keys()) if (!ua.has(route) && a.routes.some((r) => r.name === route)) out.push({ section: 'routing', text: `${host}: route "${route}" becomes reachable` });
  }
  return out;
}

function classChanges(subject: string, b: ClassOutcome, a: ClassOutcome, before: MeshModel, after: MeshModel): TrafficChange[] {
  const out: TrafficChange[] = [];
  for (const aspect of ASPECTS) {
    if (b[aspect] === a[aspect]) continue;
    const risk =
      aspect === 'fault' && (a.faultPercent.delay > b.faultPercent.delay || a.faultPercent.abort > b.faultPercent.abort)
        ? 'raises a fault percentage'
        : undefined;
    out.push({ section: 'routing', text: `${subject}: ${ASPECT_LABEL[aspect]} ${b[aspect]} → ${a[aspect]}`, risk });
  }
  const weights = weightChange(b.weights, a.weights);
  if (weights) {
    // A version that took part of this class before and no longer exists after.
    const removed = [...b.weights.keys()].filter((k) => {
      const [svc, version] = k.split(' ') as [string, string];
      if (version === '*' || (b.weights.get(k) ?? 0) === 0) return false;
      const ref = before.services.find((s) => s.name === svc);
      const now = ref && lookupOf(after).byKey.get(serviceKey(ref));
      return !now || !now.versions.some((v) => v.name === version);
    });
    out.push({
      section: 'routing',
      text: `${subject}: weights ${weights}`,
      risk: removed.length ? `removes ${removed.map((k) => k.replace(' ', ' version ')).join(', ')}, which received traffic` : undefined,
    });
  }
  return out;
}

/**
 * Authorization changes: for every service of either side, every caller worth showing
 * (callersOf, from both sides) and every probe request (probesOf, from both sides), the decision
 * on each side. Opening (denied → allowed) is risky.
 */
export function authorizationChanges(before: MeshModel, after: MeshModel): TrafficChange[] {
  const out: TrafficChange[] = [];
  const keys = [...new Set([...before.services, ...after.services].map(serviceKey))].sort();
  for (const key of keys) {
    const sb = lookupOf(before).byKey.get(key);
    const sa = lookupOf(after).byKey.get(key);
    const callers = new Map<string, Caller>();
    for (const c of [...(sb ? callersOf(before, sb) : []), ...(sa ? callersOf(after, sa) : [])]) callers.set(c.label, c);
    const probes = new Map([...(sb ? probesOf(sb) : []), ...(sa ? probesOf(sa) : [])].map((p) => [probeLabel(p), p]));
    const callee = hostOfService((sa ?? sb)!);
    for (const caller of [...callers.values()].sort((x, y) => describe.byCodePoint(x.label, y.label)))
      for (const [label, probe] of [...probes].sort(([x], [y]) => describe.byCodePoint(x, y))) {
        const db = decide(before, caller, key, probe);
        const da = decide(after, caller, key, probe);
        // A service that is new or gone is reported once, as a host added or removed.
        if (db === da || db === 'no such service' || da === 'no such service') continue;
        out.push({
          section: 'authorization',
          text: `${caller.label} → ${callee} ${label}: ${db} → ${da}`,
          risk: da === 'allowed' ? 'opens authorization' : undefined,
        });
      }
  }
  return out;
}
