/**
 * The security part of the proxy config: peer authentication (mTLS), request authentication
 * (JWT) and authorization on the inbound side. Field names and semantics follow Istio's
 * PeerAuthentication, RequestAuthentication and AuthorizationPolicy so that one declaration
 * behaves alike on the istio and weft targets.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
import { z } from 'zod';

const ms = z.number().int().min(0).describe('Duration in integer milliseconds.');
const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');
const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header token (RFC 9110 §5.1)')
  .describe('HTTP header name (case-insensitive).');
const values = (what: string) => z.array(z.string().min(1)).min(1).optional().describe(what);

/** Certificate files in the layout cert-manager writes into a `kubernetes.io/tls` Secret volume. */
export const certificateFilesSchema = z
  .strictObject({
    certFile: z.string().min(1).describe('PEM certificate chain (cert-manager `tls.crt`).'),
    keyFile: z.string().min(1).describe('PEM private key (cert-manager `tls.key`).'),
    caFile: z.string().min(1).describe('PEM CA bundle that peers are verified against (cert-manager `ca.crt`).'),
    pollIntervalMs: positiveMs.default(1000).describe('How often the files are checked for a rotated certificate. @default 1000'),
  })
  .describe('Workload certificate, key and trust bundle; a rotated set is picked up without a restart.');

export const mtlsSchema = z
  .strictObject({
    mode: z
      .enum(['STRICT', 'PERMISSIVE', 'DISABLE'])
      .describe('Inbound: STRICT accepts only mTLS, PERMISSIVE mTLS and plaintext, DISABLE plaintext. @see Istio PeerAuthentication.MutualTLS.Mode'),
    trustDomain: z.string().min(1).default('cluster.local').describe('SPIFFE trust domain of peers that are accepted. @default cluster.local'),
    files: certificateFilesSchema,
  })
  .describe('Mutual TLS between Weft proxies with SPIFFE identities (URI SAN spiffe://<td>/ns/<ns>/sa/<sa>).');

/** Client side of mTLS toward one service, as Istio's DestinationRule `tls.mode: ISTIO_MUTUAL`. */
export const upstreamTlsSchema = z
  .strictObject({
    mode: z.literal('ISTIO_MUTUAL').describe('The workload certificate (security.mtls.files) is presented; the server must prove one of subjectAltNames.'),
    subjectAltNames: z
      .array(z.string().regex(/^spiffe:\/\/[^/]+\/ns\/[^/]+\/sa\/[^/]+$/, 'must be a SPIFFE id spiffe://<td>/ns/<ns>/sa/<sa>'))
      .min(1)
      .describe('Identities the server may present (secure naming). @see Istio ClientTLSSettings.subjectAltNames'),
  })
  .describe('Upstream mTLS with secure naming.');

/** A JWT issuer, as Istio's JWTRule. */
export const jwtRuleSchema = z
  .strictObject({
    name: z.string().min(1).describe('Rule name (logs).'),
    issuer: z.string().min(1).describe('Required `iss`. @see Istio JWTRule.issuer'),
    audiences: z.array(z.string().min(1)).default([]).describe('Accepted `aud` values; empty = any. @see Istio JWTRule.audiences'),
    jwksUri: z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL').optional().describe('JWKS endpoint; fetched, cached and refreshed in the background. @see Istio JWTRule.jwksUri'),
    jwks: z.string().min(2).optional().describe('Inline JWKS document (JSON text). @see Istio JWTRule.jwks'),
    fromHeaders: z
      .array(z.strictObject({ name: headerName, prefix: z.string().default('').describe('Stripped before verification, e.g. "Bearer ".') }))
      .default([])
      .describe('Token locations in headers; with no location at all, `authorization: Bearer <token>` (Istio default).'),
    fromParams: z.array(z.string().min(1)).default([]).describe('Query parameters carrying the token.'),
    fromCookies: z.array(z.string().min(1)).default([]).describe('Cookies carrying the token.'),
    forwardOriginalToken: z.boolean().default(false).describe('Keep the token in the forwarded request. @default false (Istio)'),
    outputClaimToHeaders: z
      .array(z.strictObject({ header: headerName, claim: z.string().min(1).describe('Claim name; dots select nested claims (a.b).') }))
      .default([])
      .describe('Copy claims of a verified token into request headers. @see Istio JWTRule.outputClaimToHeaders'),
    clockSkewMs: ms.default(60_000).describe('Tolerance for exp/nbf. @default 60000 (Envoy jwt_authn clock_skew_seconds)'),
    algorithms: z
      .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512']))
      .optional()
      .describe('Accepted `alg` values. @default every asymmetric algorithm; `none` is never accepted.'),
    jwksCacheMs: positiveMs.default(300_000).describe('Background refresh interval of a JWKS URI. @default 300000 (Envoy cache_duration 5 min)'),
    jwksFetchTimeoutMs: positiveMs.default(5_000).describe('Bound of one JWKS fetch. @default 5000'),
  })
  .refine((r) => (r.jwksUri === undefined) !== (r.jwks === undefined), { message: 'exactly one of jwksUri and jwks is required' })
  .describe('Request authentication: a token from this issuer is verified; an invalid token is rejected with 401.');

export const authzSourceSchema = z.strictObject({
  principals: values('Peer identities (`<td>/ns/<ns>/sa/<sa>`), exact, `prefix*`, `*suffix` or `*`.'),
  notPrincipals: values('Negative match of principals.'),
  requestPrincipals: values('JWT `<iss>/<sub>`, same match forms.'),
  notRequestPrincipals: values('Negative match of request principals.'),
  namespaces: values('Peer namespaces (from the peer certificate).'),
  notNamespaces: values('Negative match of namespaces.'),
  ipBlocks: values('CIDR blocks or addresses of the direct peer.'),
  notIpBlocks: values('Negative match of ipBlocks.'),
  remoteIpBlocks: values('CIDR blocks of the original client (x-forwarded-for, see trustedXffHops).'),
  notRemoteIpBlocks: values('Negative match of remoteIpBlocks.'),
});

export const authzOperationSchema = z.strictObject({
  hosts: values('Host header, exact / `*.suffix` / `prefix*`, case-insensitive.'),
  notHosts: values('Negative match of hosts.'),
  ports: z.array(z.number().int().min(1).max(65535)).min(1).optional().describe('Destination ports.'),
  notPorts: z.array(z.number().int().min(1).max(65535)).min(1).optional().describe('Negative match of ports.'),
  methods: values('HTTP methods.'),
  notMethods: values('Negative match of methods.'),
  paths: values('Normalized paths (query excluded), exact, `prefix*`, `*suffix` or `*`.'),
  notPaths: values('Negative match of paths.'),
});

export const authzConditionSchema = z.strictObject({
  key: z
    .string()
    .regex(/^(request\.auth\.claims(\[[^\]]+\])+|request\.headers\[[^\]]+\]|source\.ip|remote\.ip|source\.namespace|source\.principal|request\.auth\.principal|request\.auth\.audiences|request\.auth\.presenter|destination\.port)$/, 'must be a supported Istio condition key')
    .describe('Istio condition key, e.g. request.auth.claims[groups] or request.auth.claims[a][b] (nested). @see https://istio.io/latest/docs/reference/config/security/conditions/'),
  values: values('Accepted values (any).'),
  notValues: values('Rejected values (any).'),
});

export const authzRuleSchema = z.strictObject({
  from: z.array(z.strictObject({ source: authzSourceSchema })).optional().describe('Any source matches (OR); absent = any.'),
  to: z.array(z.strictObject({ operation: authzOperationSchema })).optional().describe('Any operation matches (OR); absent = any.'),
  when: z.array(authzConditionSchema).optional().describe('Every condition holds (AND).'),
});

export const authzPolicySchema = z
  .strictObject({
    name: z.string().min(1).describe('Policy name (403 body, access log response_code_details).'),
    namespace: z.string().min(1).describe('Namespace of the policy (Istio names matched policies ns[<ns>]-policy[<name>]-rule[<i>]).'),
    action: z.enum(['ALLOW', 'DENY']),
    rules: z.array(authzRuleSchema).default([]).describe('Any rule matches (OR). An ALLOW policy without rules matches nothing (Istio allow-nothing).'),
  })
  .describe('An AuthorizationPolicy applied to this workload.');

export const authorizationSchema = z
  .strictObject({
    policies: z.array(authzPolicySchema).default([]),
    trustedXffHops: z.number().int().min(0).max(16).default(0).describe('Proxies in front whose x-forwarded-for entries are trusted for remote.ip. @default 0 (Envoy xff_num_trusted_hops)'),
  })
  .describe('Inbound authorization: DENY policies first, then ALLOW; with any ALLOW policy present, a request that matches none gets 403.');

export const securitySchema = z
  .strictObject({
    mtls: mtlsSchema.optional().describe('Absent: plaintext (DISABLE).'),
    jwt: z.array(jwtRuleSchema).default([]),
    jwtRequired: z
      .boolean()
      .default(false)
      .describe('A request without a token gets 401 `Jwt is missing` (Envoy jwt_authn `requires`); otherwise it passes unauthenticated and authorization decides. @default false'),
    authorization: authorizationSchema.default({ policies: [], trustedXffHops: 0 }),
  })
  .describe('Inbound security and outbound identity.');

export type UpstreamTlsConfig = z.output<typeof upstreamTlsSchema>;
export type MtlsConfig = z.output<typeof mtlsSchema>;
export type CertificateFiles = z.output<typeof certificateFilesSchema>;
export type JwtRuleConfig = z.output<typeof jwtRuleSchema>;
export type AuthzPolicyConfig = z.output<typeof authzPolicySchema>;
export type AuthzRuleConfig = z.output<typeof authzRuleSchema>;
export type AuthzSourceConfig = z.output<typeof authzSourceSchema>;
export type AuthzOperationConfig = z.output<typeof authzOperationSchema>;
export type AuthzConditionConfig = z.output<typeof authzConditionSchema>;
export type AuthorizationConfig = z.output<typeof authorizationSchema>;
export type SecurityConfig = z.output<typeof securitySchema>;
