import { serviceKey, type ServiceRef } from './common';
import type { MeshModel } from './mesh';
import type { Service } from './service';
import type { Route } from './traffic';
import { countLookup, memoized } from './memo';

/**
 * Who reaches each service, indexed by destination once per model: the routes that forward or
 * mirror to it, and the services that list it in `calls`. Authorization (deny-by-default ALLOW
 * lists) and rate limits need these per service; asking a scan of every service and route per
 * service made the Istio and Weft targets quadratic in the number of services.
 */
export class ReachIndex {
  private readonly routes: Route[];
  private readonly routesByDestination = new Map<string, Route[]>();
  private readonly callersByDestination = new Map<string, Service[]>();

  constructor(model: MeshModel) {
    this.routes = [...model.services.flatMap((s) => s.routes), ...model.gateways.flatMap((g) => g.routes)];
    for (const route of this.routes) {
      const keys = new Set<string>();
      if (route.action.kind === 'forward') for (const d of route.action.destinations) keys.add(serviceKey(d.service));
      if (route.mirror !== undefined) keys.add(serviceKey(route.mirror.destination.service));
      for (const key of keys) push(this.routesByDestination, key, route);
    }
    for (const s of model.services) {
      // Every declaring service once per destination, in declaration order (also a service
      // declared twice, WEFT110: each declaration is a caller in its own right).
      const keys = new Set<string>();
      for (const call of s.calls) if (call.target.kind === 'service') keys.add(serviceKey(call.target.service));
      for (const key of keys) push(this.callersByDestination, key, s);
    }
  }

  /** All routes: service routes in declaration order, then gateway routes. */
  allRoutes(): readonly Route[] {
    countLookup();
    return this.routes;
  }

  /** Routes that forward (any destination) or mirror to `to`, in `allRoutes()` order, each once. */
  routesTo(to: ServiceRef): readonly Route[] {
    countLookup();
    return this.routesByDestination.get(serviceKey(to)) ?? [];
  }

  /** Declared services whose `calls` name `to` (known or not), in declaration order, each once. */
  callersOf(to: ServiceRef): readonly Service[] {
    countLookup();
    return this.callersByDestination.get(serviceKey(to)) ?? [];
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The reach index of a model, built once per model (memo.ts). */
export const reachOf = memoized('reach', (model) => new ReachIndex(model));
