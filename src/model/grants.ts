import { serviceKey, type ServiceRef } from './common';
import type { MeshModel } from './mesh';
import type { AuthorizationRule } from './security';
import type { Service } from './service';
import { memoized } from './memo';

/**
 * Narrowed calls: what a declared caller may do at a service under deny-by-default.
 *
 * A caller that lists a service in `calls` is granted every request to it. Two declarations
 * narrow that grant for one caller (issue 8 §2, "productpage may only GET reviews"):
 * - a narrowed call entry, `calls: [reviews.only({ methods: ['GET'] })]`, which becomes an allow
 *   rule on the callee for that caller with those methods, paths and ports;
 * - an allow rule on the callee whose `from` names the caller in `services` and nothing else
 *   (`reviews.allow('pp-reads', { from: { services: [productpage] }, to: { methods: ['GET'] } })`).
 * Either way the caller's unrestricted grant is replaced: it is admitted by those rules only,
 * whichever way it reaches the callee (its own call, a route of a service it calls). Every target
 * reads the grants from here, so that they cannot disagree.
 */
export interface Grants {
  /** Keys (`serviceKey`) of callers whose unrestricted grant is replaced by rules. */
  readonly narrowed: ReadonlySet<string>;
  /** The same callers as references, in declaration order. */
  readonly narrowedCallers: readonly ServiceRef[];
  /** Allow rules made from narrowed call entries, in declaration order. */
  readonly rules: readonly AuthorizationRule[];
}

const NONE: Grants = { narrowed: new Set(), narrowedCallers: [], rules: [] };
type MutableGrants = { narrowed: Set<string>; narrowedCallers: ServiceRef[]; rules: AuthorizationRule[] };

function narrow(g: MutableGrants, ref: ServiceRef): void {
  const key = serviceKey(ref);
  if (g.narrowed.has(key)) return;
  g.narrowed.add(key);
  g.narrowedCallers.push({ namespace: ref.namespace, name: ref.name });
}

class GrantIndex {
  private readonly byTarget = new Map<string, MutableGrants>();

  constructor(model: MeshModel) {
    const entry = (key: string) => this.byTarget.get(key) ?? (this.byTarget.set(key, { narrowed: new Set(), narrowedCallers: [], rules: [] }), this.byTarget.get(key)!);
    for (const caller of model.services)
      for (const call of caller.calls) {
        if (call.target.kind !== 'service' || !call.only) continue;
        const e = entry(serviceKey(call.target.service));
        narrow(e, caller);
        e.rules.push({
          path: call.path,
          location: call.location,
          name: `call-from-${caller.name}`,
          action: 'allow',
          from: { services: [{ namespace: caller.namespace, name: caller.name }] },
          to: call.only,
        });
      }
    for (const s of model.services)
      for (const rule of s.security.authorization)
        if (replacesGrant(rule)) for (const ref of rule.from.services!) narrow(entry(serviceKey(s)), ref);
  }

  of(target: ServiceRef): Grants {
    return this.byTarget.get(serviceKey(target)) ?? NONE;
  }
}

/** An allow rule that names callers and nothing else about the source: it is those callers' whole grant. */
export function replacesGrant(rule: AuthorizationRule): boolean {
  const f = rule.from;
  return (
    rule.action === 'allow' &&
    (f.services?.length ?? 0) > 0 &&
    !f.namespaces?.length &&
    !f.ipBlocks?.length &&
    !f.jwtClaims &&
    !f.authenticated
  );
}

const grantIndexOf = memoized('grants', (model) => new GrantIndex(model));

/** The narrowed grants at `target`, indexed once per model. */
export function grantsOf(model: MeshModel, target: ServiceRef): Grants {
  return grantIndexOf(model).of(target);
}

/** Whether `caller`'s grant at `target` is narrowed (it is admitted by rules only). */
export function isNarrowed(model: MeshModel, target: ServiceRef, caller: Pick<Service, 'namespace' | 'name'>): boolean {
  return grantsOf(model, target).narrowed.has(serviceKey(caller));
}
