import { KNOWN_RETRY_ON, type Retries } from '../../model/resilience';
import type { Rule } from '../rule';
import type { At } from '../../diagnostics/location';

/**
 * A retry-on class that is not an Envoy `x-envoy-retry-on` / `x-envoy-retry-grpc-on` value. Istio
 * passes `retryOn` through to Envoy, which ignores unknown classes, so a typo ("5XX",
 * "connect_failure") silently retries less than declared. The model keeps the classes as strings
 * so that this rule can report them with their location. A bare status code ("503") is a warning:
 * Istio accepts it, the other targets take status codes only through `statusCodes`.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export const retryOn: Rule = {
  id: 'retry-on',
  codes: { WEFT205: { severity: 'error', title: 'unknown retry-on class' } },
  check(ctx) {
    const known: readonly string[] = KNOWN_RETRY_ON;
    const check = (retries: Retries | undefined, at: At, what: string) => {
      for (const on of retries?.on ?? []) {
        if (known.includes(on)) continue;
        if (/^[1-5]\d\d$/.test(on)) {
          // Istio turns a status code in retryOn into retriable_status_codes; Envoy, Consul and the
          // Weft proxy take status codes only through their own field, which `statusCodes` fills.
          ctx.report(
            'WEFT205',
            at,
            `${what} retries on "${on}", a status code rather than a retry-on class: only Istio accepts it there`,
            `move it to \`statusCodes: [${on}]\`, which every target supports`,
            'warning',
          );
          continue;
        }
        const near = known.find((k) => k.toLowerCase() === on.toLowerCase().replaceAll('_', '-'));
        ctx.report(
          'WEFT205',
          at,
          `${what} retries on "${on}", which is not a retry-on class Envoy knows, so it never triggers a retry`,
          near ? `write "${near}"` : `use one of: ${known.join(', ')}`,
        );
      }
    };
    for (const s of ctx.model.services) {
      check(s.resilience.retries, s, `service "${s.name}"`);
      for (const r of s.routes) check(r.retries, r, `route "${r.name}"`);
    }
    for (const g of ctx.model.gateways) for (const r of g.routes) check(r.retries, r, `route "${r.name}"`);
  },
};
