import { z } from 'zod';
import { millisSchema, nodeMetaSchema, percentSchema, serviceRefSchema, stringMapSchema, stringMatchSchema } from './common';
import { faultSchema, rateLimitSchema, retriesSchema } from './resilience';
import { fallbackSchema } from './degradation';

/**
 * One match clause: all set conditions must hold (AND). A route holds a list of clauses
 * (OR), like Istio's `HTTPRoute.match`.
 */
export const matchSchema = z.object({
  path: stringMatchSchema.optional(),
  /** Upper-case HTTP methods; any of them. */
  methods: z.array(z.string()).optional(),
  headers: z.record(z.string(), stringMatchSchema).optional(),
  query: z.record(z.string(), stringMatchSchema).optional(),
  /** Only requests from this calling service (Istio `sourceLabels`, Weft proxy source identity). */
  sourceService: serviceRefSchema.optional(),
});
export type Match = z.infer<typeof matchSchema>;

/** A weighted destination: a service, optionally one of its versions (a subset). */
export const destinationSchema = z.object({
  service: serviceRefSchema,
  version: z.string().optional(),
  /** Service port; defaults to the service's first port. */
  port: z.number().int().positive().optional(),
  /** Integer share in [0, 100]; the destinations of one route sum to 100. */
  weight: z.number().int().min(0).max(100),
});
export type Destination = z.infer<typeof destinationSchema>;

export const forwardActionSchema = z.object({ kind: z.literal('forward'), destinations: z.array(destinationSchema).min(1) });
export const redirectActionSchema = z.object({
  kind: z.literal('redirect'),
  uri: z.string().optional(),
  authority: z.string().optional(),
  scheme: z.enum(['http', 'https']).optional(),
  port: z.number().int().positive().optional(),
  status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]),
});
export const directResponseActionSchema = z.object({
  kind: z.literal('direct-response'),
  status: z.number().int().min(200).max(599),
  body: z.string().optional(),
});
export const routeActionSchema = z.discriminatedUnion('kind', [forwardActionSchema, redirectActionSchema, directResponseActionSchema]);
export type RouteAction = z.infer<typeof routeActionSchema>;
export type ForwardAction = z.infer<typeof forwardActionSchema>;
export type RedirectAction = z.infer<typeof redirectActionSchema>;
export type DirectResponseAction = z.infer<typeof directResponseActionSchema>;

export const headerOperationsSchema = z.object({
  set: stringMapSchema.optional(),
  add: stringMapSchema.optional(),
  remove: z.array(z.string()).optional(),
});
export type HeaderOperations = z.infer<typeof headerOperationsSchema>;

/** @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy */
export const corsSchema = z.object({
  allowOrigins: z.array(stringMatchSchema).min(1),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAgeMs: millisSchema.optional(),
  allowCredentials: z.boolean().optional(),
});
export type Cors = z.infer<typeof corsSchema>;

export const mirrorSchema = z.object({
  destination: destinationSchema.omit({ weight: true }),
  percent: percentSchema,
});
export type Mirror = z.infer<typeof mirrorSchema>;

/** Who owns a route: a service (bound to the mesh) or a gateway (bound to that gateway). */
export const routeOwnerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('service'), service: serviceRefSchema }),
  z.object({ kind: z.literal('gateway'), gateway: z.string() }),
]);
export type RouteOwner = z.infer<typeof routeOwnerSchema>;

export const routeSchema = nodeMetaSchema.extend({
  name: z.string(),
  owner: routeOwnerSchema,
  /** Hosts this route answers for. A service route: the service's own host unless set. A gateway route: the gateway's hosts unless set. */
  hosts: z.array(z.string()).min(1),
  /** Clauses ORed together; empty means "match everything". */
  match: z.array(matchSchema),
  action: routeActionSchema,
  /** Path prefix (or whole-path) rewrite, and authority rewrite. */
  rewrite: z.object({ uri: z.string().optional(), authority: z.string().optional() }).optional(),
  headers: z.object({ request: headerOperationsSchema.optional(), response: headerOperationsSchema.optional() }).optional(),
  cors: corsSchema.optional(),
  mirror: mirrorSchema.optional(),
  /** Route-level resilience overrides the service's. */
  timeoutMs: millisSchema.optional(),
  retries: retriesSchema.optional(),
  fault: faultSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
  fallback: fallbackSchema.optional(),
});
export type Route = z.infer<typeof routeSchema>;
