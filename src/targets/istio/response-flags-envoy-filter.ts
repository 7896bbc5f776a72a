/**
 * The verification overlay only (`model.verification`): every Envoy of the mesh reports its
 * response flags (`%RESPONSE_FLAGS%`: FI, DI, RL, UO, UF, URX …) in the header the weft proxy
 * uses, `x-weft-response-flags`, so that `weft verify --target` judges fault injection, rate
 * limits and pool limits on Istio as it does on the weft proxy. One EnvoyFilter in the root
 * namespace (every workload and gateway), two patches:
 *
 * - the HTTP connection manager's local reply mappers (`local_reply_config`): the replies Envoy
 *   answers itself — the fault filter's abort (FI), the router's pool overflow (UO), connect
 *   failures and timeouts — pass through them; the fault filter and the router set the flag
 *   before they send the reply (fault_filter.cc `abortWithStatus`, router.cc `onUpstreamAbort`),
 *   and a mapper's `headers_to_add` are
 *   evaluated by Envoy's header parser with the stream info, so `%RESPONSE_FLAGS%` is the flags of
 *   that reply (source/common/local_reply/local_reply.cc: `ResponseMapper::matchAndRewrite` calls
 *   `header_parser_->evaluateHeaders(…, stream_info)`). Its filter, a `response_flag_filter`
 *   without flags, matches any reply that has a flag. Envoy applies the first mapper that
 *   matches: `priority: 10` applies this patch after the fallbacks' (fallback-envoy-filter.ts,
 *   priority 0), whose mappers come first and carry the header themselves in the overlay;
 * - the route configuration's `response_headers_to_add`, for replies that come from upstream: a
 *   delayed request (DI) is answered by the application. APPEND_IF_EXISTS_OR_ADD keeps the flags
 *   an upstream sidecar reported (the callee's inbound RL) and adds the caller's own (its DI):
 *   the verifier reads the comma-joined list and ignores Envoy's `-` (no flag).
 *
 * The local rate limit filter sets RL only after its reply is sent, so neither patch sees it:
 * its own `response_headers_to_add` carries `RL` as a literal in the overlay
 * (rate-limit-envoy-filter.ts).
 *
 * Checked here against the EnvoyFilter CRD's schema only: no Envoy runs on this machine.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/local_reply
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/accesslog/v3/accesslog.proto#config-accesslog-v3-responseflagfilter
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/ (priority, ROUTE_CONFIGURATION)
 */
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, ISTIO_ROOT_NAMESPACE, manifest, type IstioContext } from './common';

const HCM = 'envoy.filters.network.http_connection_manager';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** After every other EnvoyFilter (their default priority is 0): local reply mappers are tried in order. */
const AFTER_FALLBACKS = 10;

export function responseFlagsEnvoyFilters(ic: IstioContext): Manifest[] {
  const header = ic.model.verification?.responseFlagsHeader;
  if (!header) return [];
  const flags = (append: string) => ({ header: { key: header, value: '%RESPONSE_FLAGS%' }, append_action: append });
  return [
    manifest(ic, API.envoyFilter, 'EnvoyFilter', 'weft-verify-response-flags', ISTIO_ROOT_NAMESPACE, 'weft-verify', SyncWave.destinations, {
      priority: AFTER_FALLBACKS,
      configPatches: [
        {
          applyTo: 'NETWORK_FILTER',
          match: { context: 'ANY', listener: { filterChain: { filter: { name: HCM } } } },
          patch: { operation: 'MERGE', value: { name: HCM, typed_config: { '@type': HCM_TYPE, local_reply_config: { mappers: [{ filter: { response_flag_filter: {} }, headers_to_add: [flags('OVERWRITE_IF_EXISTS_OR_ADD')] }] } } } },
        },
        {
          applyTo: 'ROUTE_CONFIGURATION',
          match: { context: 'ANY' },
          patch: { operation: 'MERGE', value: { response_headers_to_add: [flags('APPEND_IF_EXISTS_OR_ADD')] } },
        },
      ],
    }),
  ];
}

/** The same header for a fallback's local reply mapper, which is applied instead of the one above. */
export function responseFlagsHeaderToAdd(ic: IstioContext): { header: { key: string; value: string }; append_action: string }[] {
  const header = ic.model.verification?.responseFlagsHeader;
  return header ? [{ header: { key: header, value: '%RESPONSE_FLAGS%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] : [];
}
