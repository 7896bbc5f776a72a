/**
 * Degradation (降级) in the proxy config: fallbacks, degradation switches, the ratio breaker
 * and leaky-bucket shaping. Kept beside the main schema (schema.ts composes them in) so that
 * each concept's contract reads in one place. See docs/degradation.md.
 */
import { z } from 'zod';

const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');
const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header token (RFC 9110 §5.1)')
  .describe('HTTP header name (case-insensitive).');
const headerValue = z.string().regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL (RFC 9110 §5.5)').describe('HTTP header value.');

/**
 * Why a fallback answers. `circuit-open`: the connection-pool breaker overflowed (Envoy flag UO),
 * no endpoint is healthy (UH) or the ratio breaker is open; `rate-limited`: a local rate limit
 * or a full shaping queue (RL); `timeout`: route or per-try timeout (UT); `5xx`: the upstream
 * answered 5xx; `connect-failure`: no connection (UF) or a reset before the response (UC).
 */
export const FALLBACK_REASONS = ['circuit-open', 'rate-limited', 'timeout', '5xx', 'connect-failure'] as const;
export const fallbackReasonSchema = z.enum(FALLBACK_REASONS);
export type FallbackReason = z.output<typeof fallbackReasonSchema>;

export const fallbackResponseSchema = z
  .strictObject({
    status: z.number().int().min(200).max(599),
    headers: z.record(headerName, headerValue).optional(),
    body: z.string().optional(),
  })
  .describe('A preset answer (static data, "系统繁忙，稍后再试").');

export const fallbackTargetSchema = z
  .strictObject({
    service: z.string().min(1).describe('Name of a service in `services`.'),
    subset: z.string().min(1).optional().describe('Subset of that service; absent = all of them.'),
  })
  .describe('Another service or version that answers instead.');

const on = z.array(fallbackReasonSchema).min(1).describe('Reasons that trigger the fallback.');
export const fallbackSchema = z
  .union([z.strictObject({ on, response: fallbackResponseSchema }), z.strictObject({ on, to: fallbackTargetSchema })])
  .describe('What answers when the request fails for one of `on`; the answer carries `x-weft-fallback: <reason>`.');
export type FallbackConfig = z.output<typeof fallbackSchema>;

/** A degradation rule on a route: while switch `name` is on, the route is answered without calling its destination. */
const switchName = z.string().min(1).describe('Name of a switch in `switches.declared`.');
export const switchRuleSchema = z.union([z.strictObject({ switch: switchName, response: fallbackResponseSchema }), z.strictObject({ switch: switchName, to: fallbackTargetSchema })]);
export type SwitchRuleConfig = z.output<typeof switchRuleSchema>;

export const switchesSchema = z
  .strictObject({
    declared: z
      .array(z.strictObject({ name: z.string().min(1), default: z.enum(['on', 'off']).describe('State when the switches file does not name it.') }))
      .default([]),
    file: z
      .string()
      .min(1)
      .optional()
      .describe('JSON file `{"switches": {"<name>": "on"|"off"}}` (a ConfigMap volume), polled every `reload.pollIntervalMs`; absent = the defaults.'),
  })
  .describe('Degradation switches: their state flips at runtime, without a config reload.');
export type SwitchesConfig = z.output<typeof switchesSchema>;

export const ratioBreakerSchema = z
  .strictObject({
    failureRatioPercent: z.number().min(0).max(100).describe('Open when failures / requests in the window exceed this.'),
    minRequests: z.number().int().min(1).describe('The ratio is judged only over at least this many requests in the window.'),
    windowMs: positiveMs.describe('Sliding window of outcomes.'),
    openMs: positiveMs.describe('How long the breaker stays open before probing.'),
    halfOpenProbes: z.number().int().min(1).default(1).describe('Requests let through while half-open; all must succeed to close. @default 1'),
  })
  .describe('Hystrix-style breaker: closed → open on the failure ratio → half-open probes → closed or open again. Open: 503, flag UO.');
export type RatioBreakerConfig = z.output<typeof ratioBreakerSchema>;

export const shapingSchema = z
  .strictObject({
    requests: z.number().int().min(1).describe('Requests released per `perMs`.'),
    perMs: positiveMs,
    maxQueue: z.number().int().min(0).describe('Requests waiting at most; one more gets 429 with flag RL.'),
  })
  .describe('Leaky bucket: requests queue and leave at a steady rate instead of being rejected.');
export type ShapingConfig = z.output<typeof shapingSchema>;
