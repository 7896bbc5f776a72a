import { z } from 'zod';
import { DurationProp, PercentProp, StringMatchProp } from './common';
import { FaultProps, RateLimitProps, RetriesProps } from './resilience';
import { isDestination, isCallTarget, CALL_TARGET, DESTINATION, type DestinationLike } from '../refs';
import type { ServiceRef } from '../../model/common';

const DestinationProp = z.custom<DestinationLike>(isDestination, {
  message: 'expected a service, service.version("v1"), or one of them with .weight(n)',
});

/** A service as the source of a match (Istio `sourceLabels`). */
const SourceServiceProp = z
  .custom<{ [CALL_TARGET](): unknown }>(isCallTarget, { message: 'expected a service' })
  .transform((v, ctx): ServiceRef => {
    const target = (v as { [CALL_TARGET](): { kind: string; service?: ServiceRef } })[CALL_TARGET]();
    if (target.kind !== 'service' || !target.service) {
      ctx.addIssue({ code: 'custom', message: 'an external service cannot be the source of a request' });
      return z.NEVER;
    }
    return target.service;
  });

/**
 * Conditions of one match clause; all must hold.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export const MatchProps = z
  .object({
    /** The URI path: `{ exact }`, `{ prefix }` or `{ regex }` (RE2). */
    path: StringMatchProp.optional(),
    /** HTTP methods, any of them. */
    methods: z.array(z.string().transform((m) => m.toUpperCase())).optional(),
    /** Request headers; a bare string means exact. Names are lower-cased. */
    headers: z.record(z.string(), StringMatchProp).optional(),
    /** Query parameters; a bare string means exact. */
    query: z.record(z.string(), StringMatchProp).optional(),
    /** Only requests coming from this service. */
    from: SourceServiceProp.optional(),
  })
  .strict()
  .transform(({ from, headers, ...m }) => ({
    ...m,
    headers: headers ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) : undefined,
    sourceService: from,
  }));
export type MatchProps = z.input<typeof MatchProps>;

const HeaderOpsProps = z
  .object({
    set: z.record(z.string(), z.string()).optional(),
    add: z.record(z.string(), z.string()).optional(),
    remove: z.array(z.string()).optional(),
  })
  .strict();

/** The shared props of a route on a service and a route on a gateway. */
export const RouteProps = z
  .object({
    /**
     * Hosts this route answers for.
     * @default the service's own host (service routes), the gateway's hosts (gateway routes)
     */
    hosts: z.array(z.string()).min(1).optional(),
    /** One clause, or a list of clauses (any of them). @default match every request */
    match: z.union([MatchProps, z.array(MatchProps)]).optional(),
    /**
     * Where to send matching requests. Several destinations split traffic by their `.weight(n)`;
     * without weights the split is even.
     */
    to: z.union([DestinationProp, z.array(DestinationProp).min(1)]).optional(),
    /** Answer with a redirect instead of forwarding. */
    redirect: z
      .object({
        uri: z.string().optional(),
        authority: z.string().optional(),
        scheme: z.enum(['http', 'https']).optional(),
        port: z.number().int().positive().optional(),
        /** @default 301 */
        status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(301),
      })
      .strict()
      .optional(),
    /** Answer directly, without an upstream. */
    directResponse: z.object({ status: z.number().int().min(200).max(599), body: z.string().optional() }).strict().optional(),
    /** Rewrite the matched path prefix (or whole path) and/or the authority before forwarding. */
    rewrite: z.object({ uri: z.string().optional(), authority: z.string().optional() }).strict().optional(),
    headers: z.object({ request: HeaderOpsProps.optional(), response: HeaderOpsProps.optional() }).strict().optional(),
    /** @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy */
    cors: z
      .object({
        /** Origins; a bare string means exact, `{ regex }` and `{ prefix }` work too. */
        allowOrigins: z.array(StringMatchProp).min(1),
        allowMethods: z.array(z.string()).optional(),
        allowHeaders: z.array(z.string()).optional(),
        exposeHeaders: z.array(z.string()).optional(),
        maxAge: DurationProp.optional(),
        allowCredentials: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** Copy a share of the traffic to another destination, fire-and-forget. */
    mirror: z.object({ to: DestinationProp, percent: PercentProp.default(100) }).strict().optional(),
    /** Overrides the service's timeout for this route. */
    timeout: DurationProp.optional(),
    /** Overrides the service's retries for this route. */
    retries: RetriesProps.optional(),
    /** Fault injection for this route. */
    fault: FaultProps.optional(),
    /** Rate limit for this route, in addition to the service's. */
    rateLimit: RateLimitProps.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const actions = [r.to, r.redirect, r.directResponse].filter((a) => a !== undefined).length;
    if (actions !== 1) ctx.addIssue({ code: 'custom', message: 'a route needs exactly one of `to`, `redirect` or `directResponse`' });
  });
export type RouteProps = z.input<typeof RouteProps>;
export type ParsedRouteProps = z.output<typeof RouteProps>;

/** Turns `to` into weighted destinations: explicit weights as given, otherwise an even split (remainder to the first). */
export function resolveDestinations(to: DestinationLike | DestinationLike[]) {
  const specs = (Array.isArray(to) ? to : [to]).map((d) => d[DESTINATION]());
  const explicit = specs.some((s) => s.weight !== undefined);
  const even = Math.floor(100 / specs.length);
  return specs.map((s, i) => ({
    service: s.service,
    version: s.version,
    port: s.port,
    weight: explicit ? (s.weight ?? 0) : even + (i === 0 ? 100 - even * specs.length : 0),
  }));
}
