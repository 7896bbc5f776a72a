import type { Route } from '../../model/traffic';
import { environmentViews } from '../helpers/environments';
import type { Rule } from '../rule';

/**
 * A route or split to a version that a consul environment scales to 0 replicas: the version's
 * ServiceResolver subset (`Service.Meta.version == "<v>"`) selects no instance there, so Consul
 * answers the requests it receives with 503 (no healthy upstream) — a splitter to a subset that
 * no instance backs. A version the service does not declare at all is WEFT104.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-resolver#subsets
 */
export const consulEmptySubsets: Rule = {
  id: 'consul-empty-subsets',
  codes: { WEFT723: { severity: 'warning', title: 'Consul subset with no instances' } },
  check(ctx) {
    const consulEnvs = new Set(ctx.model.environments.filter((e) => e.mesh === 'consul').map((e) => e.name));
    if (consulEnvs.size === 0) return;
    const reported = new Map<string, { route: Route; what: string; version: string; envs: string[] }>();
    for (const view of environmentViews(ctx.model)) {
      if (!consulEnvs.has(view.env)) continue;
      const check = (route: Route) => {
        if (route.action.kind !== 'forward') return;
        for (const d of route.action.destinations) {
          if (d.version === undefined || d.weight === 0) continue;
          const service = view.index.service(d.service);
          const version = service?.versions.find((v) => v.name === d.version);
          if (!service || !version || version.replicas > 0 || service.autoscaling) continue;
          const key = `${route.path}\0${service.name}\0${d.version}`;
          const entry = reported.get(key) ?? { route, what: `route "${route.name}" sends ${d.weight}% to version "${d.version}" of service "${service.name}"`, version: d.version, envs: [] };
          entry.envs.push(view.env);
          reported.set(key, entry);
        }
      };
      for (const s of view.model.services) s.routes.forEach(check);
      for (const g of view.model.gateways) g.routes.forEach(check);
    }
    for (const { route, what, version, envs } of reported.values())
      ctx.report('WEFT723', route, `${what}, which has 0 replicas in consul environment${envs.length > 1 ? 's' : ''} ${envs.map((e) => `"${e}"`).join(', ')}: its ServiceResolver subset selects no instance, so Consul answers those requests with 503`, `give version "${version}" replicas in that environment, or route elsewhere there`);
  },
};
