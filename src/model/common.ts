import { z } from 'zod';

/** Where a construct was created in the user's `mesh.config.ts` (1-based line and column). */
export const SourceLocation = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
});
export type SourceLocation = z.infer<typeof SourceLocation>;

/** Every model node keeps the construct path and the place it was declared, for diagnostics. */
export const NodeMeta = z.object({
  /** Construct path, e.g. `shop/storefront/springboot-app/route:canary`. */
  path: z.string(),
  location: SourceLocation,
});
export type NodeMeta = z.infer<typeof NodeMeta>;

/** A service named by namespace and name; the model resolves every reference to this form. */
export const ServiceRef = z.object({ namespace: z.string(), name: z.string() });
export type ServiceRef = z.infer<typeof ServiceRef>;

export function serviceKey(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** The in-cluster DNS name of a service, as Istio's VirtualService `hosts` and Consul use it. */
export function serviceFqdn(ref: ServiceRef, clusterDomain = 'cluster.local'): string {
  return `${ref.name}.${ref.namespace}.svc.${clusterDomain}`;
}

/**
 * A string condition. Exactly one form is set.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export const StringMatch = z.union([
  z.object({ exact: z.string() }).strict(),
  z.object({ prefix: z.string() }).strict(),
  z.object({ regex: z.string() }).strict(),
]);
export type StringMatch = z.infer<typeof StringMatch>;

/** Milliseconds, an integer ≥ 0. Every duration in the model uses this unit. */
export const Millis = z.number().int().nonnegative();
/** A percentage in [0, 100]; fractions allowed (Istio takes a double). */
export const Percent = z.number().min(0).max(100);

/** Labels and annotations: sorted on output by the writer. */
export const StringMap = z.record(z.string(), z.string());
