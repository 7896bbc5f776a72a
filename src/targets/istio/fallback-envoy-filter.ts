import { callGraphOf } from '../../model/calls';
import { sameService } from '../../model/common';
import type { Fallback, FallbackReason, PresetResponse } from '../../model/degradation';
import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, manifest, type IstioContext } from './common';
import { isHttpPort } from './routing';
import { responseFlagsHeaderToAdd } from './response-flags-envoy-filter';

type Obj = Record<string, unknown>;

/** The header every fallback answer carries, as the weft proxy's (src/proxy/pipeline/fallback.ts). */
const FALLBACK_HEADER = 'x-weft-fallback';
const HCM = 'envoy.filters.network.http_connection_manager';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/**
 * Envoy's response flags for each fallback reason Envoy answers locally. `5xx` (an upstream's
 * own 5xx response) is not a local reply, so local-reply mappers never see it.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 */
const FLAGS: Partial<Record<FallbackReason, string[]>> = {
  'circuit-open': ['UO', 'UH'],
  timeout: ['UT'],
  'connect-failure': ['UF', 'UC'],
  'rate-limited': ['RL'],
};

/** Reasons the caller's sidecar answers (its router sees the breaker, the timeout, the connect). */
const OUTBOUND: readonly FallbackReason[] = ['circuit-open', 'timeout', 'connect-failure'];

/**
 * Preset fallback answers in Istio, through the HTTP connection manager's local reply mappers
 * (`local_reply_config`), patched in with EnvoyFilters.
 *
 * Why not Envoy's `custom_response` filter: Istio's proxy does not build it (it is absent from
 * istio/proxy's bazel/extension_config/extensions_build_config.bzl), so an EnvoyFilter inserting
 * `envoy.filters.http.custom_response` would be NACKed and the whole listener update rejected.
 * Local reply mappers are part of every Envoy build, and their filter is an access-log filter,
 * which matches Envoy's response flags: the declared reasons are matched exactly (UO/UH, UT,
 * UF/UC, RL), not guessed from status codes that an upstream could also answer.
 *
 * - circuit-open, timeout, connect-failure happen in the *caller's* sidecar (its router applies
 *   the DestinationRule's limits and the route's timeout): one EnvoyFilter per calling service,
 *   `<caller>-fallbacks`, merges mappers into its SIDECAR_OUTBOUND HTTP connection managers on
 *   the callee's ports, each restricted to requests whose `:authority` names the callee.
 * - rate-limited happens in the callee's own inbound sidecar (the local rate limit, see
 *   rate-limit-envoy-filter.ts): the callee's EnvoyFilter merges an RL mapper into its
 *   SIDECAR_INBOUND connection managers.
 * Each mapper answers with the declared status, headers and body, and `x-weft-fallback: <reason>`
 * (in the verification overlay also `x-weft-response-flags`, response-flags-envoy-filter.ts).
 * A caller's own fallback for a call (`caller.fallbackFor(callee, …)`) replaces the callee's in
 * that caller's mappers.
 *
 * Not expressed (WEFT848, reported by the caller of `istioFallbacks`): the `5xx` reason, a
 * fallback to another service, route-level fallbacks, and callers that are not declared services
 * (the ingress gateway, undeclared callers).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/local_reply
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/accesslog/v3/accesslog.proto#config-accesslog-v3-responseflagfilter
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/
 */
export function fallbackEnvoyFilters(ic: IstioContext): Manifest[] {
  const graph = callGraphOf(ic.model);
  const out: Manifest[] = [];
  for (const s of ic.model.services) {
    const patches: Obj[] = [];
    // As a caller: its calls to services with a preset fallback, grouped per callee port.
    const byPort = new Map<number, Obj[]>();
    for (const key of graph.targets(s)) {
      const slash = key.indexOf('/');
      const callee = ic.ctx.index.service({ namespace: key.slice(0, slash), name: key.slice(slash + 1) });
      if (!callee) continue;
      // The caller's own fallback for this call wins over the callee's (a `to` answer: none).
      const own = (s.callFallbacks ?? []).find((c) => sameService(c.callee, callee));
      const f = own ? preset(own.fallback) : presetFallback(callee);
      if (!f) continue;
      const reasons = f.on.filter((r) => OUTBOUND.includes(r));
      if (reasons.length === 0) continue;
      for (const p of callee.ports.filter(isHttpPort)) {
        const list = byPort.get(p.port) ?? [];
        for (const reason of reasons) list.push(mapper(reason, f.response, authorityFilter(ic, s, callee, p.port), responseFlagsHeaderToAdd(ic)));
        byPort.set(p.port, list);
      }
    }
    for (const [port, mappers] of [...byPort].sort(([a], [b]) => a - b))
      patches.push(hcmPatch({ context: 'SIDECAR_OUTBOUND', listener: { portNumber: port, filterChain: { filter: { name: HCM } } } }, mappers));
    // As the callee: its own rate limit's rejections.
    const own = presetFallback(s);
    if (own?.on.includes('rate-limited') && hasRateLimit(s))
      patches.push(hcmPatch({ context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: HCM } } } }, [mapper('rate-limited', own.response, undefined, responseFlagsHeaderToAdd(ic))]));
    if (patches.length === 0) continue;
    out.push(
      manifest(ic, API.envoyFilter, 'EnvoyFilter', `${s.name}-fallbacks`, s.namespace, s.name, SyncWave.destinations, {
        workloadSelector: { labels: { app: s.name } },
        configPatches: patches,
      }),
    );
  }
  return out;
}

/** A service's fallback when it answers with a preset response (the part Istio expresses). */
function presetFallback(s: Service): { on: Fallback['on']; response: PresetResponse } | undefined {
  return s.resilience.fallback && preset(s.resilience.fallback);
}

function preset(f: Fallback): { on: Fallback['on']; response: PresetResponse } | undefined {
  return f.answer.kind === 'response' ? { on: f.on, response: f.answer.response } : undefined;
}

function hasRateLimit(s: Service): boolean {
  return s.resilience.rateLimit !== undefined || s.routes.some((r) => r.rateLimit !== undefined);
}

function hcmPatch(match: Obj, mappers: Obj[]): Obj {
  return {
    applyTo: 'NETWORK_FILTER',
    match,
    patch: { operation: 'MERGE', value: { name: HCM, typed_config: { '@type': HCM_TYPE, local_reply_config: { mappers } } } },
  };
}

/**
 * One local reply mapper: Envoy checks mappers in order and applies the first whose filter
 * matches. The body is given as `body` and printed with `%LOCAL_REPLY_BODY%`, so that a `%` in
 * the declared body is never read as a command operator; the content type comes from the
 * declared `content-type` header (Envoy's default for local replies is text/plain).
 */
function mapper(reason: FallbackReason, response: PresetResponse, only: Obj | undefined, extraHeaders: Obj[]): Obj {
  const flags = { response_flag_filter: { flags: FLAGS[reason] } };
  const headers = Object.entries(response.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-type');
  const contentType = Object.entries(response.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  return {
    filter: only ? { and_filter: { filters: [flags, only] } } : flags,
    status_code: response.status,
    body: { inline_string: response.body ?? '' },
    body_format_override: { text_format_source: { inline_string: '%LOCAL_REPLY_BODY%' }, ...(contentType ? { content_type: contentType } : {}) },
    headers_to_add: [
      ...[...headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), [FALLBACK_HEADER, reason]].map(([key, value]): Obj => ({
        header: { key, value },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      })),
      ...extraHeaders,
    ],
  };
}

/**
 * Requests whose `:authority` names the callee: its FQDN and shorter forms, with or without the
 * port. The bare name resolves to the callee only from its own namespace.
 */
function authorityFilter(ic: IstioContext, caller: Service, callee: Service, port: number): Obj {
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const domain = esc(ic.model.clusterDomain);
  const qualified = `${esc(callee.name)}\\.${esc(callee.namespace)}(\\.svc(\\.${domain})?)?`;
  const names = caller.namespace === callee.namespace ? `(${esc(callee.name)}|${qualified})` : qualified;
  return { header_filter: { header: { name: ':authority', string_match: { safe_regex: { regex: `^${names}(:${port})?$` } } } } };
}
