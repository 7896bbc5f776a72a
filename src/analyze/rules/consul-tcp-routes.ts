import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';
import { usesConsul } from './consul-service-names';

/**
 * Consul accepts a ServiceRouter or ServiceSplitter only for a service whose protocol is http,
 * http2 or grpc ("does not permit advanced routing or splitting behavior" for tcp). On a tcp
 * service a route may only send everything to one version (the resolver's default subset).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router#requirements
 */
export const consulTcpRoutes: Rule = {
  id: 'consul-tcp-routes',
  codes: { WEFT721: { severity: 'error', title: 'L7 route on a tcp service in Consul' } },
  check(ctx) {
    if (!usesConsul(ctx.model)) return;
    for (const s of ctx.model.services) {
      if (s.ports[0]?.protocol !== 'tcp') continue;
      for (const route of s.routes) {
        const l7 = l7Features(route);
        if (l7.length === 0) continue;
        ctx.report('WEFT721', route, `route "${route.name}" of service "${s.name}" uses ${l7.join(', ')}, but "${s.name}" speaks tcp, and Consul allows routers and splitters only on http, http2 and grpc services`, `declare "${s.name}"'s protocol as http, http2 or grpc, or make the route send everything to one version`);
      }
    }
  },
};

function l7Features(route: Route): string[] {
  const out: string[] = [];
  if (route.match.length) out.push('a match');
  if (route.action.kind === 'forward' && route.action.destinations.filter((d) => d.weight > 0).length > 1) out.push('a weighted split');
  if (route.action.kind !== 'forward') out.push(route.action.kind === 'redirect' ? 'a redirect' : 'a direct response');
  if (route.rewrite) out.push('a rewrite');
  if (route.headers) out.push('header changes');
  if (route.retries) out.push('retries');
  if (route.timeoutMs !== undefined) out.push('a timeout');
  return out;
}
