import { z } from 'zod';

/**
 * An agent service definition file (`{"service": {…}}`), as `consul services register` and the
 * agent's config directory read it, written from Consul's services configuration reference.
 * Only the fields Weft writes; every object strict.
 * @see https://developer.hashicorp.com/consul/docs/services/configuration/services-configuration-reference
 * @see https://developer.hashicorp.com/consul/docs/services/configuration/checks-configuration-reference
 * @see https://developer.hashicorp.com/consul/docs/connect/proxies/deploy-sidecar-services
 */
const Duration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
const Timing = { interval: Duration, timeout: Duration, deregister_critical_service_after: Duration };
const Check = z.union([
  z.object({ id: z.string().min(1), name: z.string().min(1), http: z.string().url(), method: z.string().optional(), ...Timing }).strict(),
  z.object({ id: z.string().min(1), name: z.string().min(1), tcp: z.string().regex(/^[^:]+:\d+$/), ...Timing }).strict(),
  z.object({ id: z.string().min(1), name: z.string().min(1), grpc: z.string().regex(/^[^:]+:\d+(\/.+)?$/), ...Timing }).strict(),
]);
const Upstream = z.object({ destination_name: z.string().min(1), local_bind_port: z.number().int().min(1).max(65535) }).strict();

export const ServiceDefinition = z
  .object({
    service: z
      .object({
        name: z.string().min(1),
        id: z.string().min(1),
        tags: z.array(z.string()).optional(),
        address: z.string().optional(),
        port: z.number().int().min(1).max(65535),
        meta: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/), z.string().max(512)).optional(),
        checks: z.array(Check).optional(),
        connect: z.object({ sidecar_service: z.object({ proxy: z.object({ upstreams: z.array(Upstream).optional() }).strict() }).strict() }).strict(),
      })
      .strict()
      .refine((s) => new Set(s.connect.sidecar_service.proxy.upstreams?.map((u) => u.local_bind_port)).size === (s.connect.sidecar_service.proxy.upstreams?.length ?? 0), 'upstream local_bind_ports are distinct'),
  })
  .strict();

export function serviceDefinitionIssues(definition: unknown): string[] {
  const r = ServiceDefinition.safeParse(definition);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(definition)'}: ${i.message}`);
}
