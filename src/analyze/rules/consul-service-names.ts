import type { MeshModel } from '../../model/mesh';
import type { Rule } from '../rule';

/** Whether any environment compiles to Consul: the consul-* rules check nothing otherwise. */
export function usesConsul(model: Pick<MeshModel, 'environments'>): boolean {
  return model.environments.some((e) => e.mesh === 'consul');
}

/**
 * Consul's community edition has one service namespace (namespaces are an Enterprise feature),
 * and consul-k8s registers a pod under its Kubernetes Service's name: two Weft services of one
 * name in different namespaces become one Consul service, sharing instances, intentions and
 * config entries. The API gateway registers under its Gateway's name, and an external service's
 * destination under its own, so those names collide too.
 * @see https://developer.hashicorp.com/consul/docs/enterprise/namespaces
 * @see https://developer.hashicorp.com/consul/docs/k8s/connect#kubernetes-pods-with-multiple-ports
 */
export const consulServiceNames: Rule = {
  id: 'consul-service-names',
  codes: { WEFT720: { severity: 'error', title: 'two services share one Consul service name' } },
  check(ctx) {
    if (!usesConsul(ctx.model)) return;
    const first = new Map<string, string>();
    const claim = (name: string, what: string, at: { path: string; location?: { file: string; line: number; column: number } }) => {
      const earlier = first.get(name);
      if (earlier === undefined) return void first.set(name, what);
      if (earlier === what) return;
      ctx.report('WEFT720', at, `${what} and ${earlier} are both the Consul service "${name}": Consul has one service namespace, so a consul environment would merge them`, `rename one of them; Consul namespaces (Enterprise) are not used by Weft`);
    };
    for (const s of ctx.model.services) claim(s.name, `service "${s.namespace}/${s.name}"`, s);
    for (const e of ctx.model.externalServices) claim(e.name, `external service "${e.namespace}/${e.name}"`, e);
    for (const g of ctx.model.gateways) claim(g.name, `gateway "${g.namespace}/${g.name}"`, g);
  },
};
