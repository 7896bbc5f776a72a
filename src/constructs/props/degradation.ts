import { z } from 'zod';
import { FALLBACK_REASONS, type Fallback, type FallbackAnswer } from '../../model/degradation';
import { percentPropSchema, positiveDurationSchema } from './common';
import { DEFAULTS } from './defaults';
import { DESTINATION, isDestination, type DestinationLike } from '../refs';

/**
 * A preset answer: static data, or "系统繁忙，稍后再试".
 * @see docs/degradation.md
 */
export const presetResponsePropsSchema = z
  .object({
    /** HTTP status of the answer. @default 200 */
    status: z.number().int().min(200).max(599).default(DEFAULTS.fallback.status),
    /** Response headers (the proxy adds `x-weft-fallback`). @default none */
    headers: z.record(z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name'), z.string().regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL')).optional(),
    /** Response body. @default empty */
    body: z.string().optional(),
  })
  .strict();
export type PresetResponseProps = z.input<typeof presetResponsePropsSchema>;

const destinationSchema = z.custom<DestinationLike>(isDestination, { message: 'expected a service or a version of one (svc.version("v1"))' });

/** `response` or `to`, exactly one; turned into the model's answer. */
function answerOf(a: { response?: z.output<typeof presetResponsePropsSchema> | undefined; to?: DestinationLike | undefined }): FallbackAnswer {
  if (a.response) return { kind: 'response', response: a.response };
  const spec = a.to![DESTINATION]();
  return { kind: 'destination', service: spec.service, ...(spec.version !== undefined ? { version: spec.version } : {}) };
}
const oneAnswer = (a: { response?: unknown; to?: unknown }) => (a.response === undefined) !== (a.to === undefined);
const ONE_ANSWER = { message: 'give exactly one of `response` and `to`' };

/**
 * What answers when a request fails for one of `on` — instead of the mesh's error.
 * @see docs/degradation.md
 */
export const fallbackPropsSchema = z
  .object({
    /** Reasons: `circuit-open` (UO, UH, open ratio breaker), `rate-limited`, `timeout`, `5xx`, `connect-failure`. Required. */
    on: z.array(z.enum(FALLBACK_REASONS)).min(1),
    /** A preset answer. @default none (then `to` is required) */
    response: presetResponsePropsSchema.optional(),
    /** Another service, or a version of one (`svc.version('static')`), answers instead. @default none (then `response` is required) */
    to: destinationSchema.optional(),
  })
  .strict()
  .refine(oneAnswer, ONE_ANSWER)
  .transform((f): Fallback => ({ on: [...new Set(f.on)], answer: answerOf(f) }));
export type FallbackProps = z.input<typeof fallbackPropsSchema>;

/**
 * A degradation switch, declared with `mesh.switch(name, props)`.
 * @see docs/degradation.md
 */
export const switchPropsSchema = z
  .object({
    /** What turning it on sheds, for operators. Required. */
    description: z.string().min(1),
    /** State unless an environment or the switches file says otherwise. @default 'off' */
    default: z.enum(['on', 'off']).default(DEFAULTS.degradationSwitch.default),
  })
  .strict();
export type SwitchProps = z.input<typeof switchPropsSchema>;

/**
 * `service.degrade(switch, props)`: while the switch is on, this service's calls to `calls` are
 * answered by `response` (or sent `to` another service) and never reach the callee.
 */
export const degradePropsSchema = z
  .object({
    /** Services whose calls are shed. Required. */
    calls: z.array(destinationSchema).min(1),
    /** The answer the caller gets. @default none (then `to` is required) */
    response: presetResponsePropsSchema.optional(),
    /** Another service or version answers instead. @default none (then `response` is required) */
    to: destinationSchema.optional(),
  })
  .strict()
  .refine(oneAnswer, ONE_ANSWER)
  .transform((d) => ({ calls: d.calls.map((c) => c[DESTINATION]().service), answer: answerOf(d) }));
export type DegradeProps = z.input<typeof degradePropsSchema>;

/**
 * A failure-ratio breaker with half-open probing, in `circuitBreaker.ratio` (weft proxy; Istio
 * gets the nearest outlier detection and a diagnostic).
 * @see https://resilience4j.readme.io/docs/circuitbreaker
 */
export const ratioBreakerPropsSchema = z
  .object({
    /** Open when failures exceed this share of requests in the window, in percent. Required. */
    failureRatio: percentPropSchema,
    /** Judge the ratio only over at least this many requests in the window (a count). @default 20 */
    minRequests: z.number().int().positive().default(DEFAULTS.ratioBreaker.minRequests),
    /** The sliding window, a duration. @default 10s */
    window: positiveDurationSchema.prefault(DEFAULTS.ratioBreaker.window),
    /** How long it stays open before probing, a duration. @default 5s */
    openFor: positiveDurationSchema.prefault(DEFAULTS.ratioBreaker.openFor),
    /** Probe requests let through half-open; all must succeed to close (a count). @default 1 */
    halfOpenProbes: z.number().int().positive().default(DEFAULTS.ratioBreaker.halfOpenProbes),
  })
  .strict()
  .transform((r) => ({ failureRatioPercent: r.failureRatio, minRequests: r.minRequests, windowMs: r.window, openMs: r.openFor, halfOpenProbes: r.halfOpenProbes }));
export type RatioBreakerProps = z.input<typeof ratioBreakerPropsSchema>;

