import { serviceKey } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';

/**
 * Per-model lookups the traffic view needs, built once per model (the diff compares two models
 * of up to thousands of services; a scan per lookup would make it quadratic).
 */
export interface Lookup {
  /** Services by `namespace/name`; the first declared wins. */
  readonly byKey: ReadonlyMap<string, Service>;
  /** Services that declare a call to the key. */
  readonly callers: ReadonlyMap<string, readonly Service[]>;
  /** Routes (of services and gateways) that forward or mirror to the key. */
  readonly routesTo: ReadonlyMap<string, readonly Route[]>;
}

const cache = new WeakMap<MeshModel, Lookup>();

export function lookupOf(model: MeshModel): Lookup {
  let l = cache.get(model);
  if (l) return l;
  const byKey = new Map<string, Service>();
  const callers = new Map<string, Service[]>();
  const routesTo = new Map<string, Route[]>();
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
    const list = map.get(key);
    if (!list) map.set(key, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const s of model.services) {
    if (!byKey.has(serviceKey(s))) byKey.set(serviceKey(s), s);
    for (const c of s.calls) if (c.target.kind === 'service') push(callers, serviceKey(c.target.service), s);
  }
  for (const route of [...model.services.flatMap((s) => s.routes), ...model.gateways.flatMap((g) => g.routes)]) {
    if (route.action.kind === 'forward') for (const d of route.action.destinations) push(routesTo, serviceKey(d.service), route);
    if (route.mirror) push(routesTo, serviceKey(route.mirror.destination.service), route);
  }
  l = { byKey, callers, routesTo };
  cache.set(model, l);
  return l;
}
