import { serviceKey } from '../../model/common';
import { canonicalHost } from '../../model/hosts';
import { memoized } from '../../model/memo';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { proxiedPort } from './ports';

/** A service route the Weft proxy carries, with its hosts in canonical form. */
export interface ProxiedRoute {
  owner: Service;
  route: Route;
  hosts: string[];
  /** Position in declaration order (services in order, then each one's routes). */
  ordinal: number;
}

/**
 * The routes of services the proxy carries, indexed by owner and by canonical host once per
 * environment's model. A workload's config needs the routes of the services it calls (by
 * owner, or by a host that is a called service's name); finding them by index instead of a
 * scan of every service's routes per workload keeps the target linear in the services.
 */
class ProxiedRoutes {
  private readonly byOwner = new Map<string, ProxiedRoute[]>();
  private readonly byHost = new Map<string, ProxiedRoute[]>();

  constructor(model: MeshModel) {
    let ordinal = 0;
    for (const owner of model.services) {
      if (!proxiedPort(owner)) continue; // no HTTP port: no HTTP route applies (TCP-only: WEFT670)
      for (const route of owner.routes) {
        const entry: ProxiedRoute = { owner, route, hosts: route.hosts.map((h) => canonicalHost(h, owner.namespace, model)), ordinal: ordinal++ };
        add(this.byOwner, serviceKey(owner), entry);
        for (const host of new Set(entry.hosts)) add(this.byHost, host, entry);
      }
    }
  }

  /** Routes owned by one of `owners` or naming one of `hosts`, in declaration order, each once. */
  reaching(owners: Iterable<string>, hosts: Iterable<string>): ProxiedRoute[] {
    const found = new Set<ProxiedRoute>();
    for (const key of owners) for (const e of this.byOwner.get(key) ?? []) found.add(e);
    for (const host of hosts) for (const e of this.byHost.get(host) ?? []) found.add(e);
    return [...found].sort((a, b) => a.ordinal - b.ordinal);
  }
}

function add(map: Map<string, ProxiedRoute[]>, key: string, entry: ProxiedRoute): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** The proxied routes of a model, built once per model (src/model/memo.ts). */
export const proxiedRoutesOf = memoized('weft-proxied-routes', (model) => new ProxiedRoutes(model));
