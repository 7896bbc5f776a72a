import { z } from 'zod';
import { Millis, NodeMeta, Percent } from './common';

export const Tracing = z.object({
  samplingPercent: Percent,
  /** Name of the tracing provider configured in the mesh (Istio `extensionProviders`). */
  provider: z.string().optional(),
});

export const MeshObservability = z.object({
  metrics: z.boolean(),
  tracing: Tracing.optional(),
  accessLogs: z.boolean(),
});
export type MeshObservability = z.infer<typeof MeshObservability>;

/**
 * A service-level objective over a rolling window, alerted with multi-window burn rates
 * (Google SRE workbook, chapter 5).
 */
export const Slo = NodeMeta.extend({
  name: z.string(),
  windowDays: z.number().int().positive(),
  objective: z.discriminatedUnion('kind', [
    /** Share of non-5xx responses. */
    z.object({ kind: z.literal('availability'), targetPercent: Percent }),
    /** Share of requests faster than `thresholdMs`. */
    z.object({ kind: z.literal('latency'), thresholdMs: Millis, targetPercent: Percent }),
  ]),
});
export type Slo = z.infer<typeof Slo>;

export const ServiceObservability = z.object({
  metrics: z.boolean().optional(),
  accessLogs: z.boolean().optional(),
  tracingSamplingPercent: Percent.optional(),
  slos: z.array(Slo),
});
export type ServiceObservability = z.infer<typeof ServiceObservability>;
