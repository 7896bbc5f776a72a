import type { Rule } from '../rule';

/**
 * An external service with `resolution: 'static'` and no `addresses`. Static resolution takes its
 * endpoints from the declared addresses only, so there is nothing to send requests to: Istio's
 * ServiceEntry with STATIC resolution needs `endpoints`, and every call fails with 503.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution
 */
export const staticExternal: Rule = {
  id: 'static-external',
  codes: { WEFT503: { severity: 'error', title: 'static external service without addresses' } },
  check(ctx) {
    for (const x of ctx.model.externalServices) {
      if (x.resolution !== 'static' || x.addresses.length > 0) continue;
      ctx.report(
        'WEFT503',
        x,
        `external service "${x.name}" resolves statically but declares no addresses, so calls to it have no endpoint`,
        `list its IPs in \`addresses\`, or use resolution 'dns' to resolve ${x.hosts.map((h) => `"${h}"`).join(', ')}`,
      );
    }
  },
};
