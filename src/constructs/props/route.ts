import { z } from 'zod';
import { durationPropSchema, hostsSchema, percentPropSchema, portNumberSchema, stringMatchPropSchema } from './common';
import { headerNameSchema, headerValueSchema, httpMethodSchema, uriPathSchema } from './networking';
import { faultPropsSchema, rateLimitPropsSchema, retriesPropsSchema } from './resilience';
import { fallbackPropsSchema } from './degradation';
import { DEFAULTS } from './defaults';
import { isDestination, isCallTarget, CALL_TARGET, DESTINATION, type DestinationLike } from '../refs';
import type { ServiceRef } from '../../model/common';

const destinationPropSchema = z
  .custom<DestinationLike>(isDestination, {
    message: 'expected a service, service.version("v1"), or one of them with .weight(n)',
  })
  .superRefine((d, ctx) => {
    // The model keeps weights as whole percentages: Istio's `weight` is an integer, and a
    // fraction, a negative share or NaN has no meaning in a split.
    const { weight, port } = d[DESTINATION]();
    if (weight !== undefined && !(typeof weight === 'number' && Number.isInteger(weight) && weight >= 0 && weight <= 100))
      ctx.addIssue({ code: 'custom', message: `weight ${String(weight)} is not a whole percentage from 0 to 100` });
    if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535))
      ctx.addIssue({ code: 'custom', message: `port ${String(port)} is not a port number from 1 to 65535` });
  });

/** A path match: `{ exact }` and `{ prefix }` are URI paths; `{ regex }` is checked as RE2. */
const pathMatchSchema = stringMatchPropSchema.superRefine((m, ctx) => {
  const literal = 'exact' in m ? m.exact : 'prefix' in m ? m.prefix : undefined;
  if (literal !== undefined && !uriPathSchema.safeParse(literal).success) ctx.addIssue({ code: 'custom', message: `path "${literal}" must start with "/" and contain no spaces or control characters` });
});

/** A header match: exact and prefix values may not contain CR, LF or NUL. */
const headerMatchSchema = stringMatchPropSchema.superRefine((m, ctx) => {
  const literal = 'exact' in m ? m.exact : 'prefix' in m ? m.prefix : undefined;
  if (literal !== undefined && !headerValueSchema.safeParse(literal).success) ctx.addIssue({ code: 'custom', message: 'a header value must not contain CR, LF or NUL' });
});

/** A service as the source of a match (Istio `sourceLabels`). */
const sourceServicePropSchema = z
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
export const matchPropsSchema = z
  .object({
    /** The URI path: `{ exact }`, `{ prefix }` or `{ regex }` (RE2). @default any path */
    path: pathMatchSchema.optional(),
    /** HTTP methods, any of them; upper-cased. @default any method */
    methods: z.array(httpMethodSchema).optional(),
    /** Request headers; a bare string means exact. Names are lower-cased. @default no header condition */
    headers: z.record(headerNameSchema, headerMatchSchema).optional(),
    /** Query parameters; a bare string means exact. @default no query condition @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest (queryParams) */
    query: z.record(z.string(), stringMatchPropSchema).optional(),
    /** Only requests coming from this service. @default any source @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest (sourceLabels) */
    from: sourceServicePropSchema.optional(),
  })
  .strict()
  .transform(({ from, headers, ...m }) => ({
    ...m,
    headers: headers ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) : undefined,
    sourceService: from,
  }));
export type MatchProps = z.input<typeof matchPropsSchema>;

/**
 * Header edits, applied in the order remove, set, add.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers-HeaderOperations
 */
const headerOpsPropsSchema = z
  .object({
    /** Header name → value, replacing any value present. @default none */
    set: z.record(headerNameSchema, headerValueSchema).optional(),
    /** Header name → value, appended to any value present. @default none */
    add: z.record(headerNameSchema, headerValueSchema).optional(),
    /** Header names to remove. @default none */
    remove: z.array(headerNameSchema).optional(),
  })
  .strict();

/** The shared props of a route on a service and a route on a gateway. */
export const routePropsSchema = z
  .object({
    /**
     * Hosts this route answers for.
     * @default the service's own host (service routes), the gateway's hosts (gateway routes)
     */
    hosts: hostsSchema(true).optional(),
    /** One clause, or a list of clauses (any of them). @default match every request @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest */
    match: z.union([matchPropsSchema, z.array(matchPropsSchema)]).optional(),
    /**
     * Where to send matching requests. Several destinations split traffic by their `.weight(n)`
     * (percent); without weights the split is even.
     * @default none: exactly one of `to`, `redirect` and `directResponse`
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
     */
    to: z.union([destinationPropSchema, z.array(destinationPropSchema).min(1)]).optional(),
    /**
     * Answer with a redirect instead of forwarding. Exactly one of `to`, `redirect` and
     * `directResponse`.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
     */
    redirect: z
      .object({
        /** Replaces the whole path of the `Location`. @default the request's path */
        uri: uriPathSchema.optional(),
        /** Replaces the host (authority) of the `Location`. @default the request's host */
        authority: z.string().optional(),
        /** Replaces the scheme of the `Location`. @default the request's scheme */
        scheme: z.enum(['http', 'https']).optional(),
        /** Replaces the port of the `Location` (a TCP port). @default the request's port */
        port: portNumberSchema.optional(),
        /** The redirect status code. @default 301 */
        status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(DEFAULTS.redirect.status),
      })
      .strict()
      .optional(),
    /**
     * Answer directly, without an upstream.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPDirectResponse
     */
    directResponse: z
      .object({
        /** The HTTP status to answer with. Required. */
        status: z.number().int().min(200).max(599),
        /** The response body, as text. @default empty */
        body: z.string().optional(),
      })
      .strict()
      .optional(),
    /**
     * Rewrite the matched path prefix (or whole path) and/or the authority before forwarding.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
     */
    rewrite: z
      .object({
        /** Replaces the matched prefix (or the exact path). @default the path unchanged */
        uri: uriPathSchema.optional(),
        /** Replaces the Host/authority. @default the host unchanged */
        authority: z.string().optional(),
      })
      .strict()
      .optional(),
    /**
     * Header edits on the request forwarded upstream and on the response returned.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
     */
    headers: z
      .object({
        /** Edits of the request, before it is forwarded. @default none */
        request: headerOpsPropsSchema.optional(),
        /** Edits of the response, before it is returned. @default none */
        response: headerOpsPropsSchema.optional(),
      })
      .strict()
      .optional(),
    /**
     * Cross-origin resource sharing: the proxy answers preflights and adds the CORS headers.
     * @default none (no CORS headers)
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
     */
    cors: z
      .object({
        /** Origins; a bare string means exact, `{ regex }` and `{ prefix }` work too. Required. */
        allowOrigins: z.array(stringMatchPropSchema).min(1),
        /** `Access-Control-Allow-Methods`. @default none */
        allowMethods: z.array(httpMethodSchema).optional(),
        /** `Access-Control-Allow-Headers`. @default none */
        allowHeaders: z.array(headerNameSchema).optional(),
        /** `Access-Control-Expose-Headers`. @default none */
        exposeHeaders: z.array(headerNameSchema).optional(),
        /** `Access-Control-Max-Age`, a duration (whole seconds on the wire). @default none */
        maxAge: durationPropSchema.optional(),
        /** `Access-Control-Allow-Credentials`. @default none (not sent) */
        allowCredentials: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /**
     * Copy a share of the traffic to another destination, fire-and-forget.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (mirror, mirrorPercentage)
     */
    mirror: z
      .object({
        /** Where copies go: a service, or a version of one. Required. */
        to: destinationPropSchema,
        /** Share of requests copied, in percent. @default 100 */
        percent: percentPropSchema.default(DEFAULTS.mirror.percent),
      })
      .strict()
      .optional(),
    /** Overrides the service's timeout for this route, a duration. @default the service's `resilience.timeout` */
    timeout: durationPropSchema.optional(),
    /** Overrides the service's retries for this route. @default the service's `resilience.retries` */
    retries: retriesPropsSchema.optional(),
    /** Fault injection for this route. @default the service's `resilience.fault` */
    fault: faultPropsSchema.optional(),
    /** Rate limit for this route, in addition to the service's. @default none */
    rateLimit: rateLimitPropsSchema.optional(),
    /** What answers when a request on this route fails for a declared reason. @default the service's `resilience.fallback` */
    fallback: fallbackPropsSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const actions = [r.to, r.redirect, r.directResponse].filter((a) => a !== undefined).length;
    if (actions !== 1) ctx.addIssue({ code: 'custom', message: 'a route needs exactly one of `to`, `redirect` or `directResponse`' });
    // The same subset twice in one split: the mesh would merge or reject the two entries.
    if (Array.isArray(r.to)) {
      const seen = new Set<string>();
      r.to.forEach((d, i) => {
        const spec = d[DESTINATION]();
        const key = `${spec.service.namespace}/${spec.service.name}/${spec.version ?? ''}/${spec.port ?? ''}`;
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: ['to', i], message: `${spec.service.name}${spec.version ? ` version "${spec.version}"` : ''} appears twice in this split; give it one entry with the summed weight` });
        seen.add(key);
      });
    }
  });
export type RouteProps = z.input<typeof routePropsSchema>;
export type ParsedRouteProps = z.output<typeof routePropsSchema>;

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
