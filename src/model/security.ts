import { z } from 'zod';
import { NodeMeta, ServiceRef } from './common';

/**
 * Mutual TLS between workloads.
 * - `strict`: only mTLS is accepted (Istio STRICT, Consul mesh-only traffic).
 * - `permissive`: mTLS and plaintext are accepted (migration).
 * - `disable`: plaintext.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export const MtlsMode = z.enum(['strict', 'permissive', 'disable']);
export type MtlsMode = z.infer<typeof MtlsMode>;

/** `deny-by-default`: only declared `calls` and allow rules pass. `allow-all`: everything not denied passes. */
export const AuthorizationMode = z.enum(['deny-by-default', 'allow-all']);
export type AuthorizationMode = z.infer<typeof AuthorizationMode>;

/** The sources of an authorization rule; all set fields must hold (AND), values within one field are ORed. */
export const AuthzSource = z.object({
  services: z.array(ServiceRef).optional(),
  namespaces: z.array(z.string()).optional(),
  /** CIDR blocks of the direct peer (Istio `ipBlocks`). */
  ipBlocks: z.array(z.string()).optional(),
  /** Required JWT claims: claim name → accepted values. Needs a JWT rule on the service. */
  jwtClaims: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  /** Any valid JWT (`iss/sub`), Istio `requestPrincipals: ["*"]`. */
  authenticated: z.boolean().optional(),
});
export type AuthzSource = z.infer<typeof AuthzSource>;

export const AuthzTarget = z.object({
  methods: z.array(z.string()).optional(),
  /** Exact paths, or prefixes ending in `*` (Istio path semantics). */
  paths: z.array(z.string()).optional(),
  ports: z.array(z.number().int().positive()).optional(),
});
export type AuthzTarget = z.infer<typeof AuthzTarget>;

export const AuthorizationRule = NodeMeta.extend({
  name: z.string(),
  action: z.enum(['allow', 'deny']),
  from: AuthzSource,
  to: AuthzTarget,
});
export type AuthorizationRule = z.infer<typeof AuthorizationRule>;

/** @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule */
export const JwtRule = NodeMeta.extend({
  name: z.string(),
  issuer: z.string(),
  jwksUri: z.string().optional(),
  /** Inline JWKS document (JSON text). */
  jwks: z.string().optional(),
  audiences: z.array(z.string()),
  fromHeaders: z.array(z.object({ name: z.string(), prefix: z.string().optional() })),
  fromParams: z.array(z.string()),
  forwardOriginalToken: z.boolean(),
  /** Reject requests without a token (adds a deny rule for `notRequestPrincipals: ["*"]`). */
  required: z.boolean(),
});
export type JwtRule = z.infer<typeof JwtRule>;

export const ServiceSecurity = z.object({
  /** Overrides the mesh-wide mTLS mode for this workload. */
  mtls: MtlsMode.optional(),
  authorization: z.array(AuthorizationRule),
  jwt: z.array(JwtRule),
});
export type ServiceSecurity = z.infer<typeof ServiceSecurity>;
