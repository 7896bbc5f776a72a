import type { Target } from '../target';
import { WEFT_CODES } from './codes';
import { emitWeft } from './emit';
import { weftWiring } from './wiring';
import { identitySecretName, meshUsesMtls } from './identity';
import { meshHasSwitches } from './degradation';
import { callsTunneledExternal } from './services';
import { calledServicesOf, tcpUpstreamsOf } from './tcp';

export { WEFT_CODES } from './codes';
export { PROXY_PORTS, PROXY_IMAGE, SCHEMA_REF, WEFT_VERSION, configMapName } from './constants';
export { buildProxyConfig, type ProxyConfigOptions } from './config';
export { kubernetesResolver, type EndpointResolver, type EndpointSpec } from './endpoints';

/**
 * The `weft` target: for environments whose mesh is `weft`, one Weft proxy config per workload
 * (a JSON file and the ConfigMap the sidecar mounts) and one Service per version (the subsets'
 * endpoints); through `wiring`, the sidecar container, its volume, the application's
 * `HTTP_PROXY`, and Services that target the inbound listener. docs/proxy-target.md describes
 * the mapping.
 */
export const weftTarget: Target = {
  name: 'weft',
  codes: WEFT_CODES,
  appliesTo: (env) => env.mesh === 'weft',
  emit: emitWeft,
  wiring: (ctx, service, version) =>
    weftWiring(
      service,
      version,
      service.observability.metrics ?? ctx.model.observability.metrics,
      meshUsesMtls(ctx.model) ? identitySecretName(service) : undefined,
      meshHasSwitches(ctx.model),
      callsTunneledExternal(ctx.model, service),
      // Diagnostics of the bind ports are the config's (config.ts); here only their addresses.
      tcpUpstreamsOf(service, calledServicesOf(ctx.index, service), () => undefined),
    ),
};
