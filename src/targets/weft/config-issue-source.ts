import type { At } from '../../diagnostics/location';
import type { MeshModel } from '../../model/mesh';
import type { ProxyConfigInput } from '../../proxy/config/schema';

/**
 * The declaration a proxy-config issue (WEFT653) comes from, so that the diagnostic points at the
 * line of mesh.config.ts to change rather than at the workload: the issue's JSON path names an
 * element of the config (`$.routes[3].headers…`, `$.services[1].subsets…`), and that element's
 * name leads back to the model node that produced it:
 * - a route is named `<service>.<namespace>/<route>[#clause]` (routes.ts `routeName`); on a
 *   gateway, its own routes are named after the gateway's workload, and a service route merged
 *   behind one is prefixed with that route's name and `+`; `(default)` is the implicit catch-all
 *   of the service;
 * - a called service carries its namespace and name.
 * Anything else (listeners, the workload's own settings) belongs to `fallback`: the workload's
 * version, or the gateway.
 */
export function configIssueSource(model: MeshModel, config: ProxyConfigInput, issuePath: string, fallback: At): At {
  const element = /^\$\.(routes|services)\[(\d+)\]/.exec(issuePath);
  if (!element) return fallback;
  const index = Number(element[2]);
  if (element[1] === 'services') {
    const called = config.services?.[index];
    return (called && model.services.find((s) => s.namespace === called.namespace && s.name === called.name)) ?? fallback;
  }
  const name = config.routes?.[index]?.name;
  if (name === undefined) return fallback;
  const own = name.slice(name.indexOf('+') + 1);
  const slash = own.indexOf('/');
  const [serviceName, namespace] = own.slice(0, slash).split('.');
  const routeName = own.slice(slash + 1).replace(/#\d+$/, '');
  const service = model.services.find((s) => s.namespace === namespace && s.name === serviceName);
  // Not a service's: on a gateway's config, the gateway's own route (named after its workload).
  if (!service) return ownRoutes(fallback)?.find((r) => r.name === routeName) ?? fallback;
  return service.routes.find((r) => r.name === routeName) ?? service;
}

/** The routes of a fallback that has some (a gateway). */
function ownRoutes(at: At): readonly (At & { name: string })[] | undefined {
  const routes = (at as { routes?: unknown }).routes;
  return Array.isArray(routes) ? (routes as (At & { name: string })[]) : undefined;
}
