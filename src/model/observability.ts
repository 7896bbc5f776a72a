import { z } from 'zod';
import { millisSchema, nodeMetaSchema, percentSchema } from './common';

export const tracingSchema = z.object({
  samplingPercent: percentSchema,
  /** Name of the tracing provider configured in the mesh (Istio `extensionProviders`). */
  provider: z.string().optional(),
  /** OTLP/HTTP traces URL the weft proxy exports spans to. */
  otlpEndpoint: z.string().optional(),
  /**
   * Host of the provider's collector Service (`<name>.<namespace>`, or its full name), which the
   * sidecars must be able to reach to export spans (Istio Sidecar egress).
   */
  collector: z.string().optional(),
});

export const meshObservabilitySchema = z.object({
  metrics: z.boolean(),
  tracing: tracingSchema.optional(),
  accessLogs: z.boolean(),
});
export type MeshObservability = z.infer<typeof meshObservabilitySchema>;

/**
 * A service-level objective over a rolling window, alerted with multi-window burn rates
 * (Google SRE workbook, chapter 5).
 */
export const sloSchema = nodeMetaSchema.extend({
  name: z.string(),
  windowDays: z.number().int().positive(),
  objective: z.discriminatedUnion('kind', [
    /** Share of non-5xx responses. */
    z.object({ kind: z.literal('availability'), targetPercent: percentSchema }),
    /** Share of requests faster than `thresholdMs`. */
    z.object({ kind: z.literal('latency'), thresholdMs: millisSchema, targetPercent: percentSchema }),
  ]),
});
export type Slo = z.infer<typeof sloSchema>;

export const serviceObservabilitySchema = z.object({
  metrics: z.boolean().optional(),
  accessLogs: z.boolean().optional(),
  tracingSamplingPercent: percentSchema.optional(),
  slos: z.array(sloSchema),
});
export type ServiceObservability = z.infer<typeof serviceObservabilitySchema>;
