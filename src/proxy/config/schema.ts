/**
 * The Weft proxy config: one JSON document per workload instance, emitted by the compiler's
 * `weft` target into `dist/<env>/weft/...`. This zod schema is the single source of truth:
 * the TypeScript type (`ProxyConfig`), the published JSON Schema
 * (`schemas/weft-proxy-config.schema.json`, via `proxyConfigJsonSchema()`) and the ajv
 * validation at load time all derive from it.
 *
 * Conventions: durations are integer milliseconds (fields end in `Ms`), percentages are numbers
 * in 0..100, names follow Istio/Envoy so that one declaration behaves alike on every target.
 * Every object is strict (unknown fields are errors): a typo must never be silently ignored.
 */
import { z } from 'zod';
import { discoverySchema, subsetDiscoverySchema } from './discovery-schema';
import { otlpSchema } from './otlp-schema';
import { inboundTcpListenerSchema, tcpListenerSchema } from './tcp-schema';
import { gatewayServerSchema } from './gateway-schema';
import { securitySchema, upstreamTlsSchema } from './security-schema';
import { fallbackSchema, ratioBreakerSchema, shapingSchema, switchesSchema, switchRuleSchema } from './degradation-schema';

const port = z.number().int().min(0).max(65535).describe('TCP port; 0 picks a free port (tests).');
const ms = z.number().int().min(0).describe('Duration in integer milliseconds.');
const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');
const percent = z.number().min(0).max(100).describe('Percentage, 0..100.');
const host = z.string().min(1).describe('IP address or host name.');
const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header token (RFC 9110 §5.1)')
  .describe('HTTP header name (case-insensitive).');
/** The proxy's own HTTP/1.1 writer sends values as given: CR, LF and NUL would split the response (RFC 9110 §5.5). */
const headerValue = z.string().regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL (RFC 9110 §5.5)').describe('HTTP header value.');
const statusCode = z.number().int().min(100).max(599);

/** A string match, as in Istio's `StringMatch` (exactly one of exact/prefix/regex). */
export const stringMatchSchema = z.union([
  z.strictObject({ exact: z.string().describe('The value equals this string.') }),
  z.strictObject({ prefix: z.string().describe('The value starts with this string.') }),
  z.strictObject({
    regex: z.string().describe('The whole value matches this ECMAScript regular expression (anchored, like Envoy RE2 full match).'),
  }),
]);

/** Header / query parameter match: a string match, or presence (`present: true`) / absence (`present: false`). */
export const valueMatchSchema = z.union([
  stringMatchSchema,
  z.strictObject({ present: z.boolean().describe('true: the header/parameter exists; false: it must be absent.') }),
]);

/** A token bucket, as in Envoy's `local_ratelimit` `token_bucket`. */
export const tokenBucketSchema = z
  .strictObject({
    maxTokens: z.number().int().min(1).describe('Bucket capacity; the bucket starts full. @see Envoy TokenBucket.max_tokens'),
    tokensPerFill: z.number().int().min(1).default(1).describe('Tokens added every fill interval. @default 1 @see Envoy TokenBucket.tokens_per_fill'),
    fillIntervalMs: positiveMs.describe('Interval between fills, ms. @see Envoy TokenBucket.fill_interval'),
  })
  .describe('Local rate limit; a request without a token gets 429 with response flag RL.');

/** Fault injection, as in Istio `HTTPFaultInjection`. */
export const faultSchema = z
  .strictObject({
    delay: z
      .strictObject({
        fixedDelayMs: ms.describe('Delay added before forwarding, ms. @see Istio HTTPFaultInjection.Delay.fixedDelay'),
        percent: percent.default(100).describe('Share of requests delayed. @default 100'),
      })
      .optional()
      .describe('Delay requests (response flag DI).'),
    abort: z
      .strictObject({
        httpStatus: statusCode.describe('Status returned instead of forwarding. @see Istio HTTPFaultInjection.Abort.httpStatus'),
        percent: percent.default(100).describe('Share of requests aborted. @default 100'),
      })
      .optional()
      .describe('Abort requests (response flag FI).'),
  })
  .describe('Fault injection; delay is applied first, then abort, as in Envoy\'s fault filter.');

export const headerOpsSchema = z
  .strictObject({
    set: z.record(headerName, headerValue).optional().describe('Overwrite these headers.'),
    add: z.record(headerName, headerValue).optional().describe('Append these headers (keeps existing values).'),
    remove: z.array(headerName).optional().describe('Remove these headers.'),
  })
  .describe('Header manipulation, as in Istio `Headers.HeaderOperations`; applied remove, then set, then add.');

export const corsSchema = z
  .strictObject({
    allowOrigins: z.array(stringMatchSchema).min(1).describe('Origins allowed. @see Istio CorsPolicy.allowOrigins'),
    allowMethods: z.array(z.string().min(1)).default([]).describe('Access-Control-Allow-Methods for preflight.'),
    allowHeaders: z.array(headerName).default([]).describe('Access-Control-Allow-Headers for preflight.'),
    exposeHeaders: z.array(headerName).default([]).describe('Access-Control-Expose-Headers on actual responses.'),
    maxAgeMs: ms.optional().describe('Access-Control-Max-Age (sent in whole seconds).'),
    allowCredentials: z.boolean().default(false).describe('Access-Control-Allow-Credentials. @default false'),
  })
  .describe('CORS policy; preflight requests (OPTIONS + Origin + Access-Control-Request-Method) are answered by the proxy.');

export const retryOnSchema = z
  .enum(['5xx', 'gateway-error', 'reset', 'connect-failure', 'refused-stream', 'retriable-4xx', 'retriable-status-codes', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'])
  .describe('Retry condition, as Envoy `x-envoy-retry-on` / `x-envoy-retry-grpc-on` (gRPC status classes, read from a trailers-only response) / Istio `retries.retryOn`.');

export const retriesSchema = z
  .strictObject({
    attempts: z.number().int().min(0).max(10).describe('Number of retries, excluding the first try. @see Istio HTTPRetry.attempts'),
    perTryTimeoutMs: ms.optional().describe('Timeout of each try (including the first), ms; 0/absent = no per-try timeout. @see Istio HTTPRetry.perTryTimeout'),
    retryOn: z.array(retryOnSchema).min(1).default(['5xx', 'connect-failure', 'reset']).describe('Conditions that trigger a retry.'),
    retriableStatusCodes: z.array(statusCode).default([]).describe('Codes retried when retryOn has `retriable-status-codes`.'),
    retryNonIdempotent: z
      .boolean()
      .default(false)
      .describe('Retry POST/PATCH after the request was sent. Connect failures are always retried (nothing was sent). @default false'),
    backoff: z
      .strictObject({
        baseMs: positiveMs.default(25).describe('Base interval. @default 25 (Envoy)'),
        maxMs: positiveMs.optional().describe('Maximum interval. @default 10 × baseMs (Envoy)'),
      })
      .default({ baseMs: 25 })
      .describe('Fully jittered exponential back-off between tries, as in Envoy.'),
  })
  .describe('Retry policy.');

export const mirrorSchema = z
  .strictObject({
    service: z.string().min(1).describe('Service (services[].name) that receives the copy.'),
    subset: z.string().optional().describe('Subset of that service.'),
    percent: percent.default(100).describe('Share of requests mirrored. @see Istio HTTPRoute.mirrorPercentage'),
  })
  .describe('Traffic mirroring: a fire-and-forget copy whose outcome never affects the caller.');

export const destinationSchema = z.strictObject({
  service: z.string().min(1).describe('Name of a service in `services`.'),
  subset: z.string().optional().describe('Subset name; absent = every endpoint of the service.'),
  weight: z.number().int().min(0).default(100).describe('Relative weight of this destination in a split. @default 100'),
});

const forwardAction = z.strictObject({
  type: z.literal('forward'),
  destinations: z.array(destinationSchema).min(1).describe('Weighted destinations; one is chosen per request.'),
});
const redirectAction = z.strictObject({
  type: z.literal('redirect'),
  scheme: z.enum(['http', 'https']).optional().describe('New scheme.'),
  authority: z.string().optional().describe('New host[:port].'),
  port: port.optional().describe('New port.'),
  path: z.string().optional().describe('Replace the whole path.'),
  prefixRewrite: z.string().optional().describe('Replace the matched path prefix (route must match by prefix).'),
  status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(301).describe('@default 301 (Istio redirectCode)'),
});
const directResponseAction = z.strictObject({
  type: z.literal('directResponse'),
  status: statusCode,
  body: z.string().optional(),
  headers: z.record(headerName, headerValue).optional(),
});

export const routeSchema = z.strictObject({
  name: z.string().min(1).describe('Route name (access log `route_name`, metrics).'),
  hosts: z
    .array(z.string().min(1))
    .default(['*'])
    .describe('Authorities this route serves: exact (`reviews`, `reviews:9080`), wildcard prefix (`*.shop.svc`), or `*`.'),
  match: z
    .strictObject({
      path: stringMatchSchema.optional().describe('Path match (query string excluded).'),
      methods: z.array(z.string().min(1)).optional().describe('Allowed methods (upper case).'),
      headers: z.record(headerName, valueMatchSchema).optional().describe('All must match.'),
      query: z.record(z.string().min(1), valueMatchSchema).optional().describe('All must match.'),
    })
    .default({})
    .describe('Conditions (AND); the first route that matches wins.'),
  action: z.discriminatedUnion('type', [forwardAction, redirectAction, directResponseAction]),
  rewrite: z
    .strictObject({
      uri: z.string().optional().describe('Replaces the matched prefix (or the whole path for exact/regex matches). @see Istio HTTPRewrite.uri'),
      authority: z.string().optional().describe('Replaces the Host header. @see Istio HTTPRewrite.authority'),
    })
    .optional(),
  headers: z
    .strictObject({ request: headerOpsSchema.optional(), response: headerOpsSchema.optional() })
    .optional(),
  cors: corsSchema.optional(),
  mirror: mirrorSchema.optional(),
  timeoutMs: ms.optional().describe('Overall timeout including retries; 0/absent = none (Istio default). Response 504, flag UT.'),
  retries: retriesSchema.optional(),
  fault: faultSchema.optional(),
  rateLimit: tokenBucketSchema.optional().describe('Per-route local rate limit.'),
  shape: shapingSchema.optional().describe('Per-route leaky-bucket shaping (after the rate limit).'),
  fallback: fallbackSchema.optional().describe('What answers when the request fails (see docs/degradation.md).'),
  degrade: z.array(switchRuleSchema).optional().describe('While one of these switches is on, the route answers without calling its destination.'),
});

export const endpointSchema = z.strictObject({
  address: host,
  port: port,
  weight: z.number().int().min(1).default(1).describe('Load-balancing weight. @default 1'),
});

export const loadBalancerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('round-robin') }).describe('Smooth weighted round robin (nginx).'),
    z.strictObject({
      type: z.literal('least-request'),
      choiceCount: z.number().int().min(2).default(2).describe('Hosts sampled per pick. @default 2 (Envoy power of two choices)'),
    }),
    z.strictObject({ type: z.literal('random') }),
    z.strictObject({
      type: z.literal('consistent-hash'),
      hashOn: z.union([
        z.strictObject({ header: headerName }),
        z.strictObject({
          cookie: z.strictObject({
            name: z.string().min(1),
            ttlMs: ms.optional().describe('When set and the cookie is absent, the proxy generates it (Set-Cookie), as Envoy does.'),
            path: z.string().optional(),
          }),
        }),
        z.strictObject({ sourceIp: z.literal(true) }),
        z.strictObject({ queryParam: z.string().min(1) }),
      ]),
      algorithm: z.enum(['ring-hash', 'maglev']).default('ring-hash'),
      minimumRingSize: z.number().int().min(1).max(8_388_608).default(1024).describe('Ring hash: virtual nodes in total. @default 1024 (Envoy)'),
      tableSize: z.number().int().min(1).default(65537).describe('Maglev table size, must be prime. @default 65537 (Envoy)'),
    }),
  ])
  .describe('Load-balancing algorithm among the endpoints of a subset.');

export const outlierDetectionSchema = z
  .strictObject({
    consecutive5xxErrors: z.number().int().min(0).default(5).describe('5xx or local-origin failures in a row before ejection; 0 disables. @default 5'),
    consecutiveGatewayErrors: z.number().int().min(0).default(0).describe('502/503/504 or local-origin failures in a row; 0 disables. @default 0'),
    intervalMs: positiveMs.default(10_000).describe('Sweep interval that returns ejected hosts. @default 10000'),
    baseEjectionTimeMs: positiveMs.default(30_000).describe('Ejection time = base × times ejected. @default 30000'),
    maxEjectionTimeMs: positiveMs.default(300_000).describe('Cap of the ejection time. @default 300000 (Envoy)'),
    maxEjectionPercent: percent.default(10).describe('Most hosts ejected at once; one host may always be ejected. @default 10'),
    minHealthPercent: percent
      .default(0)
      .describe("Panic threshold: when fewer than this share of a subset's hosts are healthy, it balances over all of them, ejected ones included (Envoy's healthy_panic_threshold); 0 disables. @default 0 (Istio)"),
  })
  .describe('Passive health checking, Envoy/Istio semantics.');

export const connectionPoolSchema = z
  .strictObject({
    maxConnections: z.number().int().min(1).optional().describe('Concurrent upstream requests (= HTTP/1.1 connections) to the service. @see Istio tcp.maxConnections'),
    maxPendingRequests: z.number().int().min(0).optional().describe('Requests queued waiting for a connection. @see Istio http1MaxPendingRequests'),
    maxRequests: z.number().int().min(1).optional().describe('Outstanding requests (active + pending). @see Istio http2MaxRequests'),
    maxRequestsPerConnection: z.number().int().min(1).optional().describe('Requests per connection before it is closed. @see Istio maxRequestsPerConnection'),
    connectTimeoutMs: positiveMs.default(10_000).describe('@default 10000 (Istio)'),
    idleTimeoutMs: positiveMs.default(4_000).describe('Keep-alive idle timeout of upstream connections. @default 4000'),
  })
  .describe('Circuit breaking; overflow returns 503 with flag UO.');

export const subsetSchema = z.strictObject({
  name: z.string().min(1).describe('Subset name, referenced by routes (usually the version).'),
  version: z.string().optional().describe('`destination_version` label. @default name'),
  workloadName: z.string().optional().describe('`destination_workload` label. @default `<service>-<version>`'),
  endpoints: z.array(endpointSchema).default([]).describe('Static endpoints (with `discovery`: the set used until the first answer).'),
  discovery: subsetDiscoverySchema.optional().describe('Dynamic endpoints (DNS, Consul); absent = the static endpoints.'),
});

export const serviceSchema = z.strictObject({
  name: z.string().min(1).describe('Short service name (`destination_service_name`).'),
  namespace: z.string().min(1).describe('Namespace (`destination_service_namespace`).'),
  app: z.string().optional().describe('`destination_app` label. @default name'),
  hosts: z
    .array(z.string().min(1))
    .optional()
    .describe('Authorities that reach this service when no route matches. @default name, name.ns, name.ns.svc, name.ns.svc.cluster.local'),
  subsets: z.array(subsetSchema).min(1),
  loadBalancer: loadBalancerSchema.default({ type: 'round-robin' }),
  outlierDetection: outlierDetectionSchema.optional(),
  ratioBreaker: ratioBreakerSchema.optional(),
  connectionPool: connectionPoolSchema.default({ connectTimeoutMs: 10_000, idleTimeoutMs: 4_000 }),
  protocol: z.enum(['http1.1', 'http2']).default('http1.1').describe('What the endpoints speak: HTTP/1.1, or HTTP/2 (h2c, or h2 by ALPN with tls; gRPC). @default http1.1'),
  tls: upstreamTlsSchema.optional().describe('Connect to this service with mTLS (its endpoints are Weft proxies). Absent: plaintext.'),
});

export const listenerAddress = z.strictObject({
  host: host.default('127.0.0.1').describe('Bind address. @default 127.0.0.1'),
  port,
});

export const inboundListenerSchema = z.strictObject({
  host: host.default('0.0.0.0'),
  port,
  app: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port,
      protocol: z.enum(['http1.1', 'http2']).default('http1.1').describe('What the application speaks: HTTP/1.1, or HTTP/2 with prior knowledge (h2c; gRPC). @default http1.1'),
    })
    .describe('The application behind the sidecar.'),
  http2: z.boolean().default(false).describe('Also accept HTTP/2: h2c with prior knowledge, and h2 by ALPN on mTLS connections. @default false'),
  rateLimit: tokenBucketSchema.optional().describe('Per-service local rate limit (the service protects itself).'),
  shape: shapingSchema.optional().describe('Per-service leaky-bucket shaping (after the rate limit).'),
  fallback: fallbackSchema.optional().describe('What answers callers when the service fails or sheds load (response only: no other service is reachable inbound).'),
  fault: faultSchema.optional(),
  timeoutMs: ms.optional(),
  connectionPool: connectionPoolSchema.optional(),
});

export const proxyConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Editor hint; ignored.'),
    version: z.literal(1).describe('Config format version.'),
    workload: z.strictObject({
      service: z.string().min(1),
      namespace: z.string().min(1),
      app: z.string().optional().describe('@default service'),
      version: z.string().default('unknown'),
      workloadName: z.string().optional().describe('@default `<service>-<version>`'),
      instance: z.string().default('unknown').describe('Pod / instance name.'),
      cluster: z.string().default('Kubernetes').describe('Istio cluster id label. @default Kubernetes'),
    }),
    listeners: z.strictObject({
      inbound: inboundListenerSchema.optional(),
      outbound: listenerAddress
        .extend({
          http2: z.boolean().default(false).describe('Also accept h2c with prior knowledge (gRPC clients). @default false'),
          passthrough: z
            .boolean()
            .default(false)
            .describe('CONNECT to an authority no route, service or TCP route declares is tunnelled to it as asked (Istio outboundTrafficPolicy ALLOW_ANY); false: 404 (REGISTRY_ONLY). @default false'),
        })
        .optional(),
      inboundPorts: z
        .array(
          inboundListenerSchema.extend({
            name: z.string().min(1).describe('Listener name (metrics label `inbound:<name>`, logs); unique among the inbound listeners.'),
          }),
        )
        .default([])
        .describe(
          "Inbound listeners in front of the application's further HTTP, HTTP/2 and gRPC ports, one per port (Envoy's inbound listener has a filter chain per port): each forwards to its own application port, and authorization matches `ports` against that port.",
        ),
      admin: listenerAddress,
      gateway: z
        .array(gatewayServerSchema)
        .default([])
        .describe('Ingress gateway servers (a gateway workload: no inbound listener, usually no outbound one); requests are matched against `routes` only.'),
    }),
    services: z.array(serviceSchema).default([]),
    routes: z.array(routeSchema).default([]).describe('Outbound routes, in priority order.'),
    limits: z
      .strictObject({
        maxRequestBodyBufferBytes: z.number().int().min(0).default(1_048_576).describe('Bodies up to this size are buffered for retries/mirroring; larger ones stream and are not retried. @default 1 MiB'),
        maxMirrorsInFlight: z.number().int().min(0).default(256).describe('Mirrors beyond this are dropped (counted). @default 256'),
        drainTimeoutMs: ms.default(20_000).describe('Graceful drain budget on SIGTERM. @default 20000'),
      })
      .default({ maxRequestBodyBufferBytes: 1_048_576, maxMirrorsInFlight: 256, drainTimeoutMs: 20_000 }),
    http: z
      .strictObject({
        pathNormalization: z
          .enum(['none', 'base', 'merge-slashes'])
          .default('base')
          .describe(
            'Path normalization before route matching, forwarded as normalized: base = RFC 3986 dot-segment removal; merge-slashes = base plus merging repeated slashes. @default base (Istio meshConfig.pathNormalization BASE) @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ProxyPathNormalization',
          ),
        maxRequestHeadersBytes: z.number().int().min(1024).default(61_440).describe('Request line plus headers; larger heads get 431. @default 61440 (Envoy max_request_headers_kb 60)'),
        maxRequestHeaders: z.number().int().min(1).default(100).describe('Header fields per request; more get 431. @default 100 (Envoy max_headers_count)'),
        requestHeadersTimeoutMs: positiveMs.default(60_000).describe('A request head must arrive completely within this time of its first byte, else 408 and the connection closes (slowloris). @default 60000'),
        idleTimeoutMs: positiveMs.default(65_000).describe('A downstream keep-alive connection with no request in flight closes after this. @default 65000'),
      })
      .default({ pathNormalization: 'base', maxRequestHeadersBytes: 61_440, maxRequestHeaders: 100, requestHeadersTimeoutMs: 60_000, idleTimeoutMs: 65_000 })
      .describe('Downstream HTTP/1.1 codec limits and path handling.'),
    observability: z
      .strictObject({
        metrics: z.boolean().default(true),
        accessLog: z
          .union([z.boolean(), z.strictObject({ path: z.string().min(1) })])
          .default(false)
          .describe('true: JSON lines on stdout; {path}: appended to that file.'),
        tracing: z
          .strictObject({
            samplingPercent: percent.default(1).describe('For new traces. @default 1 (Istio)'),
            otlp: otlpSchema.optional().describe('Export spans of sampled requests (absent: propagate context only).'),
          })
          .default({ samplingPercent: 1 }),
      })
      .default({ metrics: true, accessLog: false, tracing: { samplingPercent: 1 } }),
    discovery: discoverySchema.default({}),
    tcpListeners: z.array(tcpListenerSchema).default([]).describe('TCP listeners with weighted destinations (Istio TCPRoute).'),
    inboundTcpListeners: z.array(inboundTcpListenerSchema).default([]).describe("Inbound TCP listeners in front of the application's TCP ports (mTLS, L4 authorization)."),
    switches: switchesSchema.default({ declared: [] }),
    security: securitySchema
      .default({ jwt: [], jwtRequired: false, authorization: { policies: [], trustedXffHops: 0 } })
      .describe('mTLS identity, JWT authentication and authorization (see security-schema.ts).'),
    reload: z
      .strictObject({ pollIntervalMs: positiveMs.default(1000).describe('@default 1000') })
      .default({ pollIntervalMs: 1000 }),
  })
  .describe('Weft proxy configuration, one per workload instance.');

/** The validated config (defaults applied). */
export type ProxyConfig = z.output<typeof proxyConfigSchema>;
/** The config as written in the file (defaults optional). */
export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
export type RouteConfig = ProxyConfig['routes'][number];
export type ServiceConfig = ProxyConfig['services'][number];
export type StringMatch = z.output<typeof stringMatchSchema>;
export type ValueMatch = z.output<typeof valueMatchSchema>;
export type TokenBucketConfig = z.output<typeof tokenBucketSchema>;
export type FaultConfig = z.output<typeof faultSchema>;
export type RetriesConfig = z.output<typeof retriesSchema>;
export type CorsConfig = z.output<typeof corsSchema>;
export type HeaderOps = z.output<typeof headerOpsSchema>;
export type LoadBalancerConfig = z.output<typeof loadBalancerSchema>;
export type OutlierConfig = z.output<typeof outlierDetectionSchema>;
export type ConnectionPoolConfig = z.output<typeof connectionPoolSchema>;
export type HttpConfig = ProxyConfig['http'];

/** The published JSON Schema (draft 2020-12) of the file format (input side: defaults are optional). */
export function proxyConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(proxyConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://weft.dev/schemas/weft-proxy-config.schema.json', title: 'Weft proxy config' };
}
