import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';

/**
 * A destination that names a port the service does not expose (`svc.version('v1').port(9090)`).
 * Istio routes it nowhere (the cluster for that port does not exist), so requests fail with 503.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination
 */
export const unknownPort: Rule = {
  id: 'unknown-port',
  codes: { WEFT105: { severity: 'error', title: 'unknown service port' } },
  check(ctx) {
    const checkRoute = (route: Route) => {
      const targets = route.action.kind === 'forward' ? [...route.action.destinations] : [];
      if (route.mirror) targets.push({ ...route.mirror.destination, weight: 0 });
      for (const t of targets) {
        if (t.port === undefined) continue;
        const service = ctx.index.service(t.service);
        if (!service || service.ports.some((p) => p.port === t.port)) continue;
        const ports = service.ports.map((p) => p.port).join(', ');
        ctx.report(
          'WEFT105',
          route,
          `route "${route.name}" sends traffic to port ${t.port} of service "${service.name}", which exposes only ${ports}`,
          `use one of the ports of "${service.name}" (${ports}), or add port ${t.port} to its \`ports\``,
        );
      }
    };
    for (const s of ctx.model.services) s.routes.forEach(checkRoute);
    for (const g of ctx.model.gateways) g.routes.forEach(checkRoute);
  },
};
