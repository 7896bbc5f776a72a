import type { Rule } from '../rule';

/**
 * `defaultsScope: 'namespaces'` (the default) promises that the mesh's defaults leave the rest of
 * the cluster alone. Consul has no namespace level for them: ProxyDefaults `global` (access logs,
 * metrics listener, tracing) and the `Mesh` entry are singletons of the datacenter, so a consul
 * environment writes them datacenter-wide whatever the scope. Said once per such environment, as
 * an info: there is nothing else Weft could write.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/proxy-defaults ("name must be global")
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/mesh
 */
export const defaultsScope: Rule = {
  id: 'defaults-scope',
  codes: { WEFT133: { severity: 'info', title: 'mesh defaults are datacenter-wide in Consul' } },
  check(ctx) {
    const { model } = ctx;
    for (const env of model.environments) {
      if (env.mesh !== 'consul' || (env.defaultsScope ?? model.defaultsScope) !== 'namespaces') continue;
      ctx.report(
        'WEFT133',
        { path: `${model.name}/environments/${env.name}`, location: model.location },
        `environment "${env.name}" (consul): the mesh defaults are written as ProxyDefaults "global" and Mesh, which Consul applies to every service of the datacenter; defaultsScope "namespaces" cannot narrow them`,
        `nothing to change if Weft owns the Consul datacenter; otherwise keep the other repositories' services out of it, or set defaultsScope: 'mesh-wide' for this environment to say so`,
      );
    }
  },
};
