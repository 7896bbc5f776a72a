import { z } from 'zod';
import { DurationProp } from './common';
import { isCallTarget, CALL_TARGET, type CallTarget } from '../refs';
import type { ServiceRef } from '../../model/common';

const ServiceRefProp = z
  .custom<CallTarget>(isCallTarget, { message: 'expected a service' })
  .transform((v, ctx): ServiceRef => {
    const t = v[CALL_TARGET]();
    if (t.kind !== 'service') {
      ctx.addIssue({ code: 'custom', message: 'an external service has no mesh identity' });
      return z.NEVER;
    }
    return t.service;
  });

/**
 * An authorization rule on a service: who (`from`) may do what (`to`).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export const AuthorizationProps = z
  .object({
    from: z
      .object({
        /** Calling services (their mesh identity, from their ServiceAccount). */
        services: z.array(ServiceRefProp).optional(),
        /** Calling namespaces. */
        namespaces: z.array(z.string()).optional(),
        /** Peer IP ranges in CIDR form. */
        ipBlocks: z.array(z.string()).optional(),
        /** Required JWT claims: claim → accepted values. Needs `service.requireJwt`. */
        jwtClaims: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
        /** Any request with a valid JWT. */
        authenticated: z.boolean().optional(),
      })
      .strict()
      .default({}),
    to: z
      .object({
        methods: z.array(z.string().transform((m) => m.toUpperCase())).optional(),
        /** Exact paths, or prefixes ending in `*`. */
        paths: z.array(z.string()).optional(),
        ports: z.array(z.number().int().positive()).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .transform(({ from, to }) => ({
    from: {
      ...from,
      jwtClaims: from.jwtClaims && Object.fromEntries(Object.entries(from.jwtClaims).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    },
    to,
  }));
export type AuthorizationProps = z.input<typeof AuthorizationProps>;

/**
 * Validates JWTs on requests to a service.
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 */
export const JwtProps = z
  .object({
    issuer: z.string().min(1),
    /** URL of the issuer's JWKS. Give this or `jwks`. */
    jwksUri: z.string().url().optional(),
    /** Inline JWKS, as an object or JSON text. */
    jwks: z.union([z.string(), z.object({ keys: z.array(z.record(z.string(), z.unknown())) })]).optional(),
    /** Accepted `aud` values. @default any */
    audiences: z.array(z.string()).default([]),
    /** Where the token is. @default `Authorization: Bearer <token>` */
    fromHeaders: z.array(z.object({ name: z.string(), prefix: z.string().optional() }).strict()).default([]),
    /** Query parameters holding the token. */
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
export type JwtProps = z.input<typeof JwtProps>;

/** A service-level objective, alerted with multi-window burn rates. */
export const SloProps = z
  .object({
    /** Target share of non-5xx responses, e.g. 99.9. */
    availability: z.number().gt(0).lt(100).optional(),
    /** Target share of requests faster than `threshold`. */
    latency: z.object({ threshold: DurationProp, percent: z.number().gt(0).lt(100) }).strict().optional(),
    /** Rolling window in days. @default 28 */
    windowDays: z.number().int().positive().default(28),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.availability === undefined) === (s.latency === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of `availability` or `latency`' });
  });
export type SloProps = z.input<typeof SloProps>;
