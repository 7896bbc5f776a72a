import { z } from 'zod';
import { CLAIM_KEY_PATTERN } from '../../model/jwt-claims';
import { dnsLabelSchema, durationPropSchema, portNumberSchema } from './common';
import { headerNameSchema, httpMethodSchema, ipOrCidrSchema } from './networking';

/**
 * An AuthorizationPolicy path: exact (`/api`), prefix (`/api/*`), suffix (`*.js`) or `*`;
 * Istio allows a `*` only at the start or the end.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
const authzPathSchema = z.string().regex(/^(\*|\*[^*\s]+|\/[^*\s]*\*?)$/, 'must be an exact path ("/api"), a prefix ("/api/*"), a suffix ("*.js") or "*": a "*" only at the start or the end');

/**
 * A JWKS document: JSON with a non-empty `keys` array of objects that name their `kty`.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
const jwksSchema = z.union([
  z.string(),
  z.object({
    /** The key set's keys (RFC 7517 §5), each an object with its `kty`. Required. */
    keys: z.array(z.record(z.string(), z.unknown())),
  }),
]).superRefine((v, ctx) => {
  let doc: unknown = v;
  if (typeof v === 'string') {
    try {
      doc = JSON.parse(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not JSON: ${(error as Error).message}` });
      return;
    }
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) ctx.addIssue({ code: 'custom', message: 'a JWKS must have a non-empty "keys" array' });
  else if (keys.some((k) => !k || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string')) ctx.addIssue({ code: 'custom', message: 'every key of a JWKS must be an object with a "kty" string' });
});
import { isCallTarget, CALL_TARGET, type CallTarget } from '../refs';
import type { ServiceRef } from '../../model/common';

const serviceRefPropSchema = z
  .custom<CallTarget>(isCallTarget, { message: 'expected a service' })
  .transform((v, ctx): ServiceRef => {
    const t = v[CALL_TARGET]();
    if (t.kind !== 'service') {
      ctx.addIssue({ code: 'custom', message: 'an external service has no mesh identity' });
      return z.NEVER;
    }
    return t.service;
  });

/** What a request does: every given field must hold. @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation */
export const authzOperationPropsSchema = z
  .object({
    /** HTTP methods, any of them. @default any method */
    methods: z.array(httpMethodSchema).optional(),
    /** Exact paths, or prefixes ending in `*`. @default none */
    paths: z.array(authzPathSchema).optional(),
    /** Destination ports: the service's ports as declared (`port`; its `targetPort` is accepted too). Istio and the weft proxy match the container port, so each is written as its `targetPort`. @default any port */
    ports: z.array(portNumberSchema).optional(),
  })
  .strict();
export type AuthzOperationProps = z.input<typeof authzOperationPropsSchema>;

/**
 * An authorization rule on a service: who (`from`) may do what (`to`).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export const authorizationPropsSchema = z
  .object({
    /** Who: every given field must hold; the values of one field are alternatives. @default anyone @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source */
    from: z
      .object({
        /** Calling services (their mesh identity, from their ServiceAccount). @default none */
        services: z.array(serviceRefPropSchema).optional(),
        /** Calling namespaces. @default none */
        namespaces: z.array(dnsLabelSchema).optional(),
        /** Peer IP ranges in CIDR form. @default none */
        ipBlocks: z.array(ipOrCidrSchema).optional(),
        /**
         * Required JWT claims: claim → accepted values. Needs `service.requireJwt`. A top-level claim
         * by its name (`scope`, `https://shop.example.com/roles`); a nested claim by its path in
         * brackets, as Istio writes it: `realm_access[roles]` is `request.auth.claims[realm_access][roles]`.
         * @default none
         * @see https://istio.io/latest/docs/reference/config/security/conditions/
         */
        jwtClaims: z
          .record(
            z.string().regex(CLAIM_KEY_PATTERN, 'a claim name, or a nested claim path such as realm_access[roles]'),
            z.union([z.string(), z.array(z.string()).min(1)]),
          )
          .optional(),
        /** Any request with a valid JWT. @default none */
        authenticated: z.boolean().optional(),
      })
      .strict()
      .default({}),
    /** What: every given field must hold. @default any request @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation */
    to: authzOperationPropsSchema.default({}),
  })
  .strict()
  .transform(({ from, to }) => ({
    from: {
      ...from,
      jwtClaims: from.jwtClaims && Object.fromEntries(Object.entries(from.jwtClaims).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    },
    to,
  }));
export type AuthorizationProps = z.input<typeof authorizationPropsSchema>;

/**
 * Validates JWTs on requests to a service.
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 */
export const jwtPropsSchema = z
  .object({
    /** The `iss` the tokens must carry. Required. @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule */
    issuer: z.string().min(1),
    /** URL of the issuer's JWKS. Give this or `jwks`. @default none */
    jwksUri: z.url({ protocol: /^https$/, message: 'must be an https:// URL (Istio and Envoy fetch keys over TLS)' }).optional(),
    /** Inline JWKS, as an object or JSON text. @default none */
    jwks: jwksSchema.optional(),
    /** Accepted `aud` values. @default any */
    audiences: z.array(z.string()).default([]),
    /** Where the token is. @default `Authorization: Bearer <token>` */
    fromHeaders: z
      .array(
        z
          .object({
            /** Header name. Required. */
            name: headerNameSchema,
            /** Text before the token, e.g. `Bearer `. @default none */
            prefix: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    /** Query parameters holding the token. @default none */
    fromParams: z.array(z.string()).default([]),
    /** Keep the token on the forwarded request. @default false */
    forwardOriginalToken: z.boolean().default(false),
    /** Reject requests that carry no token. @default true */
    required: z.boolean().default(true),
  })
  .strict()
  .superRefine((j, ctx) => {
    if ((j.jwksUri === undefined) === (j.jwks === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of `jwksUri` or `jwks`' });
  })
  .transform((j) => ({ ...j, jwks: typeof j.jwks === 'object' ? JSON.stringify(j.jwks) : j.jwks }));
export type JwtProps = z.input<typeof jwtPropsSchema>;

/** A service-level objective, alerted with multi-window burn rates. */
export const sloPropsSchema = z
  .object({
    /** Target share of non-5xx responses, e.g. 99.9. @default none */
    availability: z.number().gt(0).lt(100).optional(),
    /** Target share of requests faster than `threshold`. @default none */
    latency: z
      .object({
        /** The latency bound, a duration. Required. */
        threshold: durationPropSchema,
        /** Target share of requests at or under `threshold`, in percent. Required. */
        percent: z.number().gt(0).lt(100),
      })
      .strict()
      .optional(),
    /** Rolling window in days. @default 28 */
    windowDays: z.number().int().positive().default(28),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.availability === undefined) === (s.latency === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of `availability` or `latency`' });
  });
export type SloProps = z.input<typeof sloPropsSchema>;
