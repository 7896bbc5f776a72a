import { z } from 'zod';
import { nodeMetaSchema, serviceRefSchema } from './common';

/**
 * Mutual TLS between workloads.
 * - `strict`: only mTLS is accepted (Istio STRICT, Consul mesh-only traffic).
 * - `permissive`: mTLS and plaintext are accepted (migration).
 * - `disable`: plaintext.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export const mtlsModeSchema = z.enum(['strict', 'permissive', 'disable']);
export type MtlsMode = z.infer<typeof mtlsModeSchema>;

/** `deny-by-default`: only declared `calls` and allow rules pass. `allow-all`: everything not denied passes. */
export const authorizationModeSchema = z.enum(['deny-by-default', 'allow-all']);

/**
 * How proxies normalize request paths before matching routes and authorization rules, and
 * forward them: `base` = RFC 3986 dot-segment removal (Istio's default `BASE`), `merge-slashes`
 * = base plus merging repeated slashes (`MERGE_SLASHES`), `none` = as received (`NONE`).
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ProxyPathNormalization-NormalizationType
 */
export const pathNormalizationSchema = z.enum(['none', 'base', 'merge-slashes']);
export type PathNormalization = z.infer<typeof pathNormalizationSchema>;
export type AuthorizationMode = z.infer<typeof authorizationModeSchema>;

/** The sources of an authorization rule; all set fields must hold (AND), values within one field are ORed. */
export const authzSourceSchema = z.object({
  services: z.array(serviceRefSchema).optional(),
  namespaces: z.array(z.string()).optional(),
  /** CIDR blocks of the direct peer (Istio `ipBlocks`). */
  ipBlocks: z.array(z.string()).optional(),
  /** Required JWT claims: claim name → accepted values. Needs a JWT rule on the service. */
  jwtClaims: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  /** Any valid JWT (`iss/sub`), Istio `requestPrincipals: ["*"]`. */
  authenticated: z.boolean().optional(),
});
export type AuthzSource = z.infer<typeof authzSourceSchema>;

export const authzTargetSchema = z.object({
  methods: z.array(z.string()).optional(),
  /** Exact paths, or prefixes ending in `*` (Istio path semantics). */
  paths: z.array(z.string()).optional(),
  ports: z.array(z.number().int().positive()).optional(),
});
export type AuthzTarget = z.infer<typeof authzTargetSchema>;

export const authorizationRuleSchema = nodeMetaSchema.extend({
  name: z.string(),
  action: z.enum(['allow', 'deny']),
  from: authzSourceSchema,
  to: authzTargetSchema,
});
export type AuthorizationRule = z.infer<typeof authorizationRuleSchema>;

/** @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule */
export const jwtRuleSchema = nodeMetaSchema.extend({
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
export type JwtRule = z.infer<typeof jwtRuleSchema>;

export const serviceSecuritySchema = z.object({
  /** Overrides the mesh-wide mTLS mode for this workload. */
  mtls: mtlsModeSchema.optional(),
  authorization: z.array(authorizationRuleSchema),
  jwt: z.array(jwtRuleSchema),
});
export type ServiceSecurity = z.infer<typeof serviceSecuritySchema>;
