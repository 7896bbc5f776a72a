import { z } from 'zod';

/**
 * Consul config entries as `consul config write` takes them, written from Consul's
 * configuration-entry reference (PascalCase field names, Go duration strings). Only the fields
 * Weft writes are listed, and every object is strict, so that a misspelt or misplaced field
 * fails here rather than in the cluster.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries
 */
const Duration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, 'a Go duration such as "2s" or "500ms"');
const Name = z.string().min(1);
const HeaderMap = z.record(z.string().min(1), z.string());
const HeaderModifiers = z.object({ Add: HeaderMap.optional(), Set: HeaderMap.optional(), Remove: z.array(z.string().min(1)).optional() }).strict();
const Percent = z.number().int().min(0).max(100);

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-defaults */
const PassiveHealthCheck = z
  .object({ Interval: Duration.optional(), MaxFailures: z.number().int().min(0).optional(), EnforcingConsecutive5xx: Percent.optional(), MaxEjectionPercent: Percent.optional(), BaseEjectionTime: Duration.optional() })
  .strict();
const Limits = z.object({ MaxConnections: z.number().int().min(0).optional(), MaxPendingRequests: z.number().int().min(0).optional(), MaxConcurrentRequests: z.number().int().min(0).optional() }).strict();
const RateLimitRoute = z
  .object({ PathExact: z.string().optional(), PathPrefix: z.string().optional(), PathRegex: z.string().optional(), RequestsPerSecond: z.number().int().positive(), RequestsMaxBurst: z.number().int().positive().optional() })
  .strict()
  .refine((r) => [r.PathExact, r.PathPrefix, r.PathRegex].filter((p) => p !== undefined).length === 1, 'exactly one of PathExact, PathPrefix, PathRegex');
export const ServiceDefaultsEntry = z
  .object({
    Kind: z.literal('service-defaults'),
    Name,
    Protocol: z.enum(['tcp', 'http', 'http2', 'grpc']),
    MutualTLSMode: z.enum(['', 'strict', 'permissive']).optional(),
    LocalRequestTimeoutMs: z.number().int().positive().optional(),
    LocalConnectTimeoutMs: z.number().int().positive().optional(),
    RateLimits: z.object({ InstanceLevel: z.object({ RequestsPerSecond: z.number().int().positive().optional(), RequestsMaxBurst: z.number().int().positive().optional(), Routes: z.array(RateLimitRoute).optional() }).strict() }).strict().optional(),
    UpstreamConfig: z.object({ Overrides: z.array(z.object({ Name, Limits: Limits.optional(), PassiveHealthCheck: PassiveHealthCheck.optional() }).strict()) }).strict().optional(),
    Destination: z.object({ Addresses: z.array(z.string().min(1)).min(1), Port: z.number().int().min(1).max(65535) }).strict().optional(),
  })
  .strict();

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router */
const StringCondition = z.object({ Name, Exact: z.string().optional(), Prefix: z.string().optional(), Regex: z.string().optional(), Present: z.boolean().optional() }).strict();
const RouteHTTPMatch = z
  .object({
    PathExact: z.string().optional(),
    PathPrefix: z.string().optional(),
    PathRegex: z.string().optional(),
    Header: z.array(StringCondition).optional(),
    QueryParam: z.array(StringCondition.omit({ Prefix: true })).optional(),
    Methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'])).optional(),
  })
  .strict()
  .refine((m) => [m.PathExact, m.PathPrefix, m.PathRegex].filter((p) => p !== undefined).length <= 1, 'at most one of PathExact, PathPrefix, PathRegex');
const RetryOn = z.enum(['5xx', 'gateway-error', 'reset', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
export const ServiceRouterEntry = z
  .object({
    Kind: z.literal('service-router'),
    Name,
    Routes: z.array(
      z
        .object({
          Match: z.object({ HTTP: RouteHTTPMatch }).strict().optional(),
          Destination: z
            .object({
              Service: Name.optional(),
              ServiceSubset: Name.optional(),
              PrefixRewrite: z.string().optional(),
              RequestTimeout: Duration.optional(),
              IdleTimeout: Duration.optional(),
              NumRetries: z.number().int().min(0).optional(),
              RetryOnConnectFailure: z.boolean().optional(),
              RetryOn: z.array(RetryOn).optional(),
              RetryOnStatusCodes: z.array(z.number().int().min(100).max(599)).optional(),
              RequestHeaders: HeaderModifiers.optional(),
              ResponseHeaders: HeaderModifiers.optional(),
            })
            .strict(),
        })
        .strict(),
    ),
  })
  .strict();

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-splitter */
export const ServiceSplitterEntry = z
  .object({
    Kind: z.literal('service-splitter'),
    Name,
    Splits: z
      .array(z.object({ Weight: z.number().min(0).max(100), Service: Name.optional(), ServiceSubset: Name.optional(), RequestHeaders: HeaderModifiers.optional(), ResponseHeaders: HeaderModifiers.optional() }).strict())
      .min(1)
      .refine((splits) => Math.abs(splits.reduce((a, s) => a + s.Weight, 0) - 100) < 1e-9, 'weights sum to 100'),
  })
  .strict();

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-resolver */
const HashPolicy = z
  .object({ Field: z.enum(['header', 'cookie', 'query_parameter']).optional(), FieldValue: z.string().optional(), CookieConfig: z.object({ Session: z.boolean().optional(), TTL: Duration.optional(), Path: z.string().optional() }).strict().optional(), SourceIP: z.boolean().optional(), Terminal: z.boolean().optional() })
  .strict()
  .refine((h) => (h.Field === undefined) !== (h.SourceIP === undefined), 'either Field (with FieldValue) or SourceIP');
export const ServiceResolverEntry = z
  .object({
    Kind: z.literal('service-resolver'),
    Name,
    Subsets: z.record(Name, z.object({ Filter: z.string().min(1), OnlyPassing: z.boolean().optional() }).strict()).optional(),
    DefaultSubset: Name.optional(),
    ConnectTimeout: Duration.optional(),
    RequestTimeout: Duration.optional(),
    LoadBalancer: z
      .object({
        Policy: z.enum(['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev']),
        RingHashConfig: z.object({ MinimumRingSize: z.number().int().positive().optional(), MaximumRingSize: z.number().int().positive().optional() }).strict().optional(),
        HashPolicies: z.array(HashPolicy).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => r.DefaultSubset === undefined || (r.Subsets ?? {})[r.DefaultSubset] !== undefined, 'DefaultSubset names a subset')
  .refine((r) => !r.LoadBalancer?.HashPolicies || ['ring_hash', 'maglev'].includes(r.LoadBalancer.Policy), 'HashPolicies need ring_hash or maglev');

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-intentions */
const JwtRequirement = z.object({ Providers: z.array(z.object({ Name, VerifyClaims: z.array(z.object({ Path: z.array(z.string().min(1)).min(1), Value: z.string() }).strict()).optional() }).strict()).min(1) }).strict();
const Permission = z
  .object({
    Action: z.enum(['allow', 'deny']),
    HTTP: z.object({ PathExact: z.string().optional(), PathPrefix: z.string().optional(), PathRegex: z.string().optional(), Methods: z.array(z.string()).optional(), Header: z.array(StringCondition).optional() }).strict().optional(),
    JWT: JwtRequirement.optional(),
  })
  .strict();
export const ServiceIntentionsEntry = z
  .object({
    Kind: z.literal('service-intentions'),
    Name,
    JWT: JwtRequirement.optional(),
    Sources: z
      .array(z.object({ Name, Action: z.enum(['allow', 'deny']).optional(), Permissions: z.array(Permission).min(1).optional(), Description: z.string().optional() }).strict().refine((s) => (s.Action === undefined) !== (s.Permissions === undefined), 'a source has an Action or Permissions, not both'))
      .optional(),
  })
  .strict();

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/proxy-defaults */
export const ProxyDefaultsEntry = z
  .object({
    Kind: z.literal('proxy-defaults'),
    Name: z.literal('global'),
    AccessLogs: z.object({ Enabled: z.boolean() }).strict().optional(),
    Config: z.object({ envoy_prometheus_bind_addr: z.string().regex(/^[\d.]+:\d+$/).optional(), envoy_listener_tracing_json: z.string().optional() }).strict().optional(),
  })
  .strict();

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/mesh */
export const MeshEntry = z
  .object({ Kind: z.literal('mesh'), AllowEnablingPermissiveMutualTLS: z.boolean().optional(), TransparentProxy: z.object({ MeshDestinationsOnly: z.boolean() }).strict().optional() })
  .strict();

/** @see https://developer.hashicorp.com/consul/docs/connect/config-entries/jwt-provider */
export const JwtProviderEntry = z
  .object({
    Kind: z.literal('jwt-provider'),
    Name,
    Issuer: z.string().min(1),
    Audiences: z.array(z.string()).optional(),
    JSONWebKeySet: z.union([
      z.object({ Remote: z.object({ URI: z.string().url(), FetchAsynchronously: z.boolean().optional() }).strict() }).strict(),
      z.object({ Local: z.object({ JWKS: z.string().min(1) }).strict() }).strict(),
    ]),
    Locations: z.array(z.union([z.object({ Header: z.object({ Name, ValuePrefix: z.string().optional(), Forward: z.boolean().optional() }).strict() }).strict(), z.object({ QueryParam: z.object({ Name }).strict() }).strict()])).optional(),
  })
  .strict();

/** Every config entry kind Weft writes, by `Kind`. */
export const CONFIG_ENTRY_SCHEMAS = {
  'service-defaults': ServiceDefaultsEntry,
  'service-router': ServiceRouterEntry,
  'service-splitter': ServiceSplitterEntry,
  'service-resolver': ServiceResolverEntry,
  'service-intentions': ServiceIntentionsEntry,
  'proxy-defaults': ProxyDefaultsEntry,
  mesh: MeshEntry,
  'jwt-provider': JwtProviderEntry,
} as const;

/** Problems of one config entry against its kind's schema; empty when it is valid. */
export function configEntryIssues(entry: unknown): string[] {
  const kind = (entry as { Kind?: string } | null)?.Kind;
  const schema = kind ? CONFIG_ENTRY_SCHEMAS[kind as keyof typeof CONFIG_ENTRY_SCHEMAS] : undefined;
  if (!schema) return [`unknown config entry Kind ${JSON.stringify(kind)}`];
  const r = schema.safeParse(entry);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`);
}
