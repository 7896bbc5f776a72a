import type { SourceLocation } from '../diagnostics/location';
import { z } from 'zod';

/** Where a construct was created in the user's `mesh.config.ts` (1-based line and column). */
export const sourceLocationSchema = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
}) satisfies z.ZodType<SourceLocation>;

/** Every model node keeps the construct path and the place it was declared, for diagnostics. */
export const nodeMetaSchema = z.object({
  /** Construct path, e.g. `shop/storefront/springboot-app/route:canary`. */
  path: z.string(),
  location: sourceLocationSchema,
});
export type NodeMeta = z.infer<typeof nodeMetaSchema>;

/** A service named by namespace and name; the model resolves every reference to this form. */
export const serviceRefSchema = z.object({ namespace: z.string(), name: z.string() });
export type ServiceRef = z.infer<typeof serviceRefSchema>;

export function serviceKey(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** Whether two references name the same service. */
export function sameService(a: ServiceRef, b: ServiceRef): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}

/** The in-cluster DNS name of a service, as Istio's VirtualService `hosts` and Consul use it. */
export function serviceFqdn(ref: ServiceRef, clusterDomain = 'cluster.local'): string {
  return `${ref.name}.${ref.namespace}.svc.${clusterDomain}`;
}

/**
 * A string condition. Exactly one form is set.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export const stringMatchSchema = z.union([
  z.object({ exact: z.string() }).strict(),
  z.object({ prefix: z.string() }).strict(),
  z.object({ regex: z.string() }).strict(),
]);
export type StringMatch = z.infer<typeof stringMatchSchema>;

/** Milliseconds, an integer ≥ 0. Every duration in the model uses this unit. */
export const millisSchema = z.number().int().nonnegative();
/** A percentage in [0, 100]; fractions allowed (Istio takes a double). */
export const percentSchema = z.number().min(0).max(100);

/** Labels and annotations: sorted on output by the writer. */
export const stringMapSchema = z.record(z.string(), z.string());
