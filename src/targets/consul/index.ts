import type { Environment } from '../../model/mesh';
import type { EmitContext, JsonFile, Manifest, Target, TargetOutput, WorkloadWiring } from '../target';
import type { Service, Version } from '../../model/service';
import { apiGateways } from './api-gateway';
import { CONSUL_CODES } from './codes';
import { consulContext, type ConsulContext } from './common';
import { configEntryIssues } from './schemas/config-entry';
import { gatewayApiIssues } from './schemas/gateway-api';
import { serviceDefinitionIssues } from './schemas/service-definition';
import { configEntryFiles } from './config-entries';
import { serviceResolvers, serviceRouters, serviceSplitters, virtualServiceDefaults } from './discovery-chain';
import { externalServiceDefaults } from './external-services';
import { jwtProviders, meshEntry, proxyDefaults } from './mesh-wide';
import { planChains } from './routing';
import { serviceDefaults } from './service-defaults';
import { serviceDefinitions } from './service-definitions';
import { defaultDeny, serviceIntentions } from './service-intentions';
import { consulWiring } from './wiring';

export { CONSUL_CODES } from './codes';

/**
 * Every Consul object of one environment: the consul-k8s CRDs (and the Gateway API resources of
 * the API gateway), the same entries as config-entry JSON for `consul config write`, and agent
 * service definitions for VMs.
 */
export function emitConsul(ctx: EmitContext): TargetOutput {
  const cc = consulContext(ctx);
  const chains = planChains(cc);
  const manifests: Manifest[] = [
    ...proxyDefaults(cc),
    ...meshEntry(cc),
    ...defaultDeny(cc),
    ...jwtProviders(cc),
    ...serviceDefaults(cc),
    ...virtualServiceDefaults(cc, chains),
    ...externalServiceDefaults(cc),
    ...serviceIntentions(cc),
    ...serviceResolvers(cc, chains),
    ...serviceSplitters(cc, chains),
    ...serviceRouters(cc, chains),
    ...apiGateways(cc),
  ];
  const files = [...configEntryFiles(manifests), ...serviceDefinitions(cc)];
  checkOwnSchemas(cc, manifests, files);
  return { manifests, files };
}

/**
 * The outputs no upstream schema in this project covers (config entries, VM service definitions,
 * Gateway API resources) are checked against Weft's own schemas of them (./schemas), written
 * from Consul's and the Gateway API's references. A failure is a Weft bug, said as WEFT708.
 */
function checkOwnSchemas(cc: ConsulContext, manifests: readonly Manifest[], files: readonly JsonFile[]): void {
  const fail = (what: string, issues: string[]) =>
    issues.length > 0 &&
    cc.report('WEFT708', { path: cc.model.name, location: cc.model.location }, `${what} fails Weft's schema of it: ${issues.join('; ')}`, 'this is a Weft bug; please report it with your mesh.config.ts');
  for (const f of files) fail(f.path, f.path.startsWith('services/') ? serviceDefinitionIssues(f.json) : configEntryIssues(f.json));
  for (const m of manifests) if (m.apiVersion.startsWith('gateway.networking.k8s.io/')) fail(`${m.kind} ${m.metadata.namespace}/${m.metadata.name}`, gatewayApiIssues(m));
}

/**
 * The Consul target: every environment whose mesh is `consul` gets
 * `dist/<env>/consul/<namespace>/<kind>-<name>.yaml`, `dist/<env>/consul/config-entries/` and
 * `dist/<env>/consul/services/`. See docs/consul.md.
 */
export const consulTarget: Target = {
  name: 'consul',
  codes: CONSUL_CODES,
  appliesTo: (env: Environment) => env.mesh === 'consul',
  emit: emitConsul,
  wiring: (ctx, service: Service, version: Version): WorkloadWiring => consulWiring(ctx, service, version),
};
