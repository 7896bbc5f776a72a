import { z } from 'zod';
import { Millis, NodeMeta, Percent, ServiceRef, StringMap, StringMatch } from './common';
import { Fault, RateLimit, Retries } from './resilience';

/**
 * One match clause: all set conditions must hold (AND). A route holds a list of clauses
 * (OR), like Istio's `HTTPRoute.match`.
 */
export const Match = z.object({
  path: StringMatch.optional(),
  /** Upper-case HTTP methods; any of them. */
  methods: z.array(z.string()).optional(),
  headers: z.record(z.string(), StringMatch).optional(),
  query: z.record(z.string(), StringMatch).optional(),
  /** Only requests from this calling service (Istio `sourceLabels`, Weft proxy source identity). */
  sourceService: ServiceRef.optional(),
});
export type Match = z.infer<typeof Match>;

/** A weighted destination: a service, optionally one of its versions (a subset). */
export const Destination = z.object({
  service: ServiceRef,
  version: z.string().optional(),
  /** Service port; defaults to the service's first port. */
  port: z.number().int().positive().optional(),
  /** Integer share in [0, 100]; the destinations of one route sum to 100. */
  weight: z.number().int().min(0).max(100),
});
export type Destination = z.infer<typeof Destination>;

export const ForwardAction = z.object({ kind: z.literal('forward'), destinations: z.array(Destination).min(1) });
export const RedirectAction = z.object({
  kind: z.literal('redirect'),
  uri: z.string().optional(),
  authority: z.string().optional(),
  scheme: z.enum(['http', 'https']).optional(),
  port: z.number().int().positive().optional(),
  status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]),
});
export const DirectResponseAction = z.object({
  kind: z.literal('direct-response'),
  status: z.number().int().min(200).max(599),
  body: z.string().optional(),
});
export const RouteAction = z.discriminatedUnion('kind', [ForwardAction, RedirectAction, DirectResponseAction]);
export type RouteAction = z.infer<typeof RouteAction>;
export type ForwardAction = z.infer<typeof ForwardAction>;
export type RedirectAction = z.infer<typeof RedirectAction>;
export type DirectResponseAction = z.infer<typeof DirectResponseAction>;

export const HeaderOperations = z.object({
  set: StringMap.optional(),
  add: StringMap.optional(),
  remove: z.array(z.string()).optional(),
});
export type HeaderOperations = z.infer<typeof HeaderOperations>;

/** @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy */
export const Cors = z.object({
  allowOrigins: z.array(StringMatch).min(1),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAgeMs: Millis.optional(),
  allowCredentials: z.boolean().optional(),
});
export type Cors = z.infer<typeof Cors>;

export const Mirror = z.object({
  destination: Destination.omit({ weight: true }),
  percent: Percent,
});
export type Mirror = z.infer<typeof Mirror>;

/** Who owns a route: a service (bound to the mesh) or a gateway (bound to that gateway). */
export const RouteOwner = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('service'), service: ServiceRef }),
  z.object({ kind: z.literal('gateway'), gateway: z.string() }),
]);
export type RouteOwner = z.infer<typeof RouteOwner>;

export const Route = NodeMeta.extend({
  name: z.string(),
  owner: RouteOwner,
  /** Hosts this route answers for. A service route: the service's own host unless set. A gateway route: the gateway's hosts unless set. */
  hosts: z.array(z.string()).min(1),
  /** Clauses ORed together; empty means "match everything". */
  match: z.array(Match),
  action: RouteAction,
  /** Path prefix (or whole-path) rewrite, and authority rewrite. */
  rewrite: z.object({ uri: z.string().optional(), authority: z.string().optional() }).optional(),
  headers: z.object({ request: HeaderOperations.optional(), response: HeaderOperations.optional() }).optional(),
  cors: Cors.optional(),
  mirror: Mirror.optional(),
  /** Route-level resilience overrides the service's. */
  timeoutMs: Millis.optional(),
  retries: Retries.optional(),
  fault: Fault.optional(),
  rateLimit: RateLimit.optional(),
});
export type Route = z.infer<typeof Route>;
