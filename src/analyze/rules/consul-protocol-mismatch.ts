import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';
import { usesConsul } from './consul-service-names';

/**
 * Every target of a Consul discovery chain must speak the chain's protocol: Consul refuses a
 * chain whose router or splitter sends an http service's requests to a grpc or tcp service,
 * and the API gateway's HTTP listeners cannot reach a tcp service. The protocol is the one in
 * each service's ServiceDefaults, which Weft takes from the service's first port.
 * @see https://developer.hashicorp.com/consul/docs/connect/manage-traffic/discovery-chain
 */
export const consulProtocolMismatch: Rule = {
  id: 'consul-protocol-mismatch',
  codes: { WEFT722: { severity: 'error', title: 'route between services of different protocols in Consul' } },
  check(ctx) {
    if (!usesConsul(ctx.model)) return;
    const check = (route: Route, from: string, protocol: string | undefined) => {
      if (route.action.kind !== 'forward') return;
      for (const d of route.action.destinations) {
        const target = ctx.index.service(d.service);
        const to = target?.ports[0]?.protocol;
        if (!target || to === undefined) continue;
        const ok = protocol === undefined ? to !== 'tcp' : protocol === to;
        if (ok) continue;
        ctx.report(
          'WEFT722',
          route,
          `route "${route.name}" of ${from} sends ${protocol ?? 'HTTP'} requests to service "${target.name}", whose Consul protocol is ${to}; Consul rejects a discovery chain that mixes protocols`,
          protocol === undefined ? `expose "${target.name}" over http, http2 or grpc` : `give both services the same protocol, or call "${target.name}" directly instead of through a route`,
        );
      }
    };
    for (const s of ctx.model.services) for (const r of s.routes) check(r, `service "${s.name}"`, s.ports[0]?.protocol);
    for (const g of ctx.model.gateways) for (const r of g.routes) check(r, `gateway "${g.name}"`, undefined);
  },
};
