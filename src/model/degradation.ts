import { z } from 'zod';
import { millisSchema, nodeMetaSchema, percentSchema, serviceRefSchema } from './common';

/**
 * Degradation (降级): fallbacks, switches and the ratio breaker. docs/degradation.md.
 * The fallback reasons map onto Envoy's response flags: `circuit-open` UO/UH, `rate-limited`
 * RL, `timeout` UT, `5xx` an upstream 5xx, `connect-failure` UF/UC.
 */
export const FALLBACK_REASONS = ['circuit-open', 'rate-limited', 'timeout', '5xx', 'connect-failure'] as const;
export const fallbackReasonSchema = z.enum(FALLBACK_REASONS);
export type FallbackReason = z.infer<typeof fallbackReasonSchema>;

/** A preset answer. */
export const presetResponseSchema = z.object({
  status: z.number().int().min(200).max(599),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
});
export type PresetResponse = z.infer<typeof presetResponseSchema>;

/** Who answers instead: a preset response, or another service (or one version of one). */
export const fallbackAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('response'), response: presetResponseSchema }),
  z.object({ kind: z.literal('destination'), service: serviceRefSchema, version: z.string().optional() }),
]);
export type FallbackAnswer = z.infer<typeof fallbackAnswerSchema>;

export const fallbackSchema = z.object({
  on: z.array(fallbackReasonSchema).min(1),
  answer: fallbackAnswerSchema,
});
export type Fallback = z.infer<typeof fallbackSchema>;

/** A degradation switch, declared once for the mesh; environments may set its state. */
export const degradationSwitchSchema = nodeMetaSchema.extend({
  name: z.string(),
  description: z.string(),
  default: z.enum(['on', 'off']),
});
export type DegradationSwitch = z.infer<typeof degradationSwitchSchema>;

/** `service.degrade(switch, …)`: while the switch is on, this service's calls to `calls` get `answer`. */
export const degradationSchema = nodeMetaSchema.extend({
  switch: z.string(),
  calls: z.array(serviceRefSchema).min(1),
  answer: fallbackAnswerSchema,
});
export type Degradation = z.infer<typeof degradationSchema>;

/**
 * `caller.fallbackFor(callee, …)`: a fallback for one caller's calls to one service. It wins over
 * the callee's route and service fallbacks for that caller only.
 */
export const callFallbackSchema = nodeMetaSchema.extend({
  callee: serviceRefSchema,
  fallback: fallbackSchema,
});
export type CallFallback = z.infer<typeof callFallbackSchema>;

/** Closed → open on the failure ratio in a window → half-open probes → closed. */
export const ratioBreakerSchema = z.object({
  failureRatioPercent: percentSchema,
  minRequests: z.number().int().positive(),
  windowMs: millisSchema,
  openMs: millisSchema,
  halfOpenProbes: z.number().int().positive(),
});
export type RatioBreaker = z.infer<typeof ratioBreakerSchema>;

/** A switch's state in one environment: the environment's setting, else the switch's default. */
export function switchState(sw: DegradationSwitch, env: { switches?: Record<string, 'on' | 'off'> | undefined }): 'on' | 'off' {
  return env.switches?.[sw.name] ?? sw.default;
}
