import { z } from 'zod';

/**
 * The Kubernetes Gateway API resources the Consul API gateway reads, as far as Weft writes them,
 * written from the Gateway API reference (v1 Gateway and HTTPRoute, v1beta1 ReferenceGrant).
 * `@kubernetes-models/gateway-api` would check them too, but it is not installed here; these
 * strict schemas cover what Weft emits.
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 */
const Meta = z.object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/).max(253), namespace: z.string().min(1), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).strict();
const SectionName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63);
const Hostname = z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);

export const GatewaySchema = z
  .object({
    apiVersion: z.literal('gateway.networking.k8s.io/v1'),
    kind: z.literal('Gateway'),
    metadata: Meta,
    spec: z
      .object({
        gatewayClassName: z.string().min(1),
        listeners: z
          .array(
            z
              .object({
                name: SectionName,
                hostname: Hostname.optional(),
                port: z.number().int().min(1).max(65535),
                protocol: z.enum(['HTTP', 'HTTPS']),
                tls: z.object({ mode: z.literal('Terminate'), certificateRefs: z.array(z.object({ name: z.string().min(1) }).strict()).min(1) }).strict().optional(),
                allowedRoutes: z.object({ namespaces: z.object({ from: z.enum(['All', 'Same', 'Selector']) }).strict() }).strict().optional(),
              })
              .strict()
              .refine((l) => (l.protocol === 'HTTPS') === (l.tls !== undefined), 'HTTPS listeners have tls, HTTP ones none'),
          )
          .min(1)
          .max(64),
      })
      .strict(),
  })
  .strict();

const Match = z
  .object({
    path: z.object({ type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']), value: z.string() }).strict().optional(),
    headers: z.array(z.object({ type: z.enum(['Exact', 'RegularExpression']), name: z.string().min(1), value: z.string() }).strict()).optional(),
    queryParams: z.array(z.object({ type: z.enum(['Exact', 'RegularExpression']), name: z.string().min(1), value: z.string() }).strict()).optional(),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']).optional(),
  })
  .strict();
const HeaderFilter = z.object({ set: z.array(z.object({ name: z.string(), value: z.string() }).strict()).optional(), add: z.array(z.object({ name: z.string(), value: z.string() }).strict()).optional(), remove: z.array(z.string()).optional() }).strict();
const Filter = z.union([
  z.object({ type: z.literal('RequestHeaderModifier'), requestHeaderModifier: HeaderFilter }).strict(),
  z.object({ type: z.literal('ResponseHeaderModifier'), responseHeaderModifier: HeaderFilter }).strict(),
  z.object({ type: z.literal('URLRewrite'), urlRewrite: z.object({ hostname: z.string().optional(), path: z.object({ type: z.literal('ReplacePrefixMatch'), replacePrefixMatch: z.string() }).strict().optional() }).strict() }).strict(),
]);

export const HTTPRouteSchema = z
  .object({
    apiVersion: z.literal('gateway.networking.k8s.io/v1'),
    kind: z.literal('HTTPRoute'),
    metadata: Meta,
    spec: z
      .object({
        parentRefs: z.array(z.object({ name: z.string().min(1) }).strict()).min(1),
        hostnames: z.array(Hostname).optional(),
        rules: z
          .array(
            z
              .object({
                matches: z.array(Match).max(64).optional(),
                filters: z.array(Filter).max(16).optional(),
                backendRefs: z.array(z.object({ name: z.string().min(1), namespace: z.string().optional(), port: z.number().int().min(1).max(65535), weight: z.number().int().min(0).max(1_000_000).optional() }).strict()).min(1),
              })
              .strict(),
          )
          .min(1)
          .max(16),
      })
      .strict(),
  })
  .strict();

export const ReferenceGrantSchema = z
  .object({
    apiVersion: z.literal('gateway.networking.k8s.io/v1beta1'),
    kind: z.literal('ReferenceGrant'),
    metadata: Meta,
    spec: z
      .object({
        from: z.array(z.object({ group: z.string(), kind: z.string().min(1), namespace: z.string().min(1) }).strict()).min(1),
        to: z.array(z.object({ group: z.string(), kind: z.string().min(1) }).strict()).min(1),
      })
      .strict(),
  })
  .strict();

const BY_KIND = { Gateway: GatewaySchema, HTTPRoute: HTTPRouteSchema, ReferenceGrant: ReferenceGrantSchema } as const;

/** Problems of one Gateway API object; empty when valid. */
export function gatewayApiIssues(manifest: { kind: string; [field: string]: unknown }): string[] {
  const schema = BY_KIND[manifest.kind as keyof typeof BY_KIND];
  if (!schema) return [`not a Gateway API kind Weft writes: ${manifest.kind}`];
  const r = schema.safeParse(manifest);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
