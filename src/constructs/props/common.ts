import { z } from 'zod';
import { re2Schema } from './networking';
import { Duration, toMillis, type DurationInput } from '../../model/duration';
import type { StringMatch } from '../../model/common';

/** A duration prop: a `Duration` (`duration.seconds(2)`) or a string such as `"250ms"`, `"2s"`, `"1m"`. */
export const durationPropSchema = z
  .custom<DurationInput>((v) => v instanceof Duration || typeof v === 'string', {
    message: 'expected a duration such as duration.seconds(2) or "250ms"',
  })
  .transform((v, ctx) => {
    const ms = toMillis(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration; use duration.millis(n) or a string like "250ms", "2s", "1m"` });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: `${String(v)} is longer than the longest duration every target honours (${MAX_DURATION_MS} ms, about 24 days)` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * The longest duration Weft accepts: 2^31 − 1 ms (about 24.8 days). Envoy's protobuf durations
 * go further, but Node's timers (the weft proxy) fire at once above this, and no timeout,
 * interval or ejection time of a mesh needs more.
 * @see https://nodejs.org/api/timers.html#settimeoutcallback-delay-args
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** A duration above zero (intervals, periods). */
export const positiveDurationSchema = durationPropSchema.refine((ms) => ms > 0, { message: 'must be longer than 0' });

/** `{ exact }`, `{ prefix }` or `{ regex }`; a bare string means exact. */
export const stringMatchPropSchema = z
  .union([
    z.string(),
    z
      .object({
        /** The whole value, exactly. Required in this form. */
        exact: z.string(),
      })
      .strict(),
    z
      .object({
        /** A prefix of the value. Required in this form. */
        prefix: z.string(),
      })
      .strict(),
    z
      .object({
        /** An RE2 regular expression the whole value must match. Required in this form. @see https://github.com/google/re2/wiki/Syntax */
        regex: re2Schema,
      })
      .strict(),
  ])
  .transform((v): StringMatch => (typeof v === 'string' ? { exact: v } : v));
export type StringMatchProp = z.input<typeof stringMatchPropSchema>;

export const percentPropSchema = z.number().min(0).max(100);

/** Kubernetes names: RFC 1123 labels. */
export const dnsLabelSchema = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label (a-z, 0-9, "-")')
  .max(63);

/** A DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** What is wrong with a label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !SUBDOMAIN.test(prefix))) return `label key "${key}" has an invalid prefix: it must be a lowercase DNS subdomain such as "example.com"`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `label key "${key}" must be at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending with a letter or digit`;
  return undefined;
}

/** What is wrong with a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) return `label value "${value}" must be at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending with a letter or digit`;
  return undefined;
}

/**
 * Kubernetes labels, validated as the API server does; `reserved` keys are set by Weft and
 * refused here rather than silently dropped.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
export function labelsSchema(reserved: readonly string[] = []) {
  return z.record(z.string(), z.string()).superRefine((labels, ctx) => {
    for (const [key, value] of Object.entries(labels)) {
      if (reserved.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `label "${key}" is set by Weft (it selects the workload) and cannot be overridden; use another key` });
      const problem = labelKeyProblem(key) ?? labelValueProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  });
}

/**
 * A Kubernetes resource quantity (`100m`, `0.5`, `128Mi`, `1e3`), not negative.
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go
 */
export const quantitySchema = z
  .string()
  .regex(/^\+?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/, 'must be a Kubernetes quantity such as "100m", "0.5", "128Mi" or "1Gi" (no sign, no spaces)');

/** A port number, 1–65535. */
export const portNumberSchema = z.number().int().min(1).max(65535);

/**
 * A host name a mesh can route by: a DNS-1123 subdomain of at most 253 characters, optionally
 * starting with a `*.` wildcard label; `allowStar` admits a bare `*` (any host).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 */
export function hostProblem(host: string, allowStar = false): string | undefined {
  if (host === '*') return allowStar ? undefined : 'a bare "*" is not allowed here; name the hosts';
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  if (host.length > 253 || !SUBDOMAIN.test(bare) || bare.split('.').some((l) => l.length > 63))
    return `host "${host.length > 80 ? `${host.slice(0, 80)}…` : host}" must be a lowercase DNS name (labels of a-z, 0-9 and "-", at most 63 characters each, 253 in all), optionally starting with "*."`;
  return undefined;
}

/**
 * Hosts of a route or gateway. `allowStar` admits `*`; `allowNamespace` admits Istio Gateway's
 * `namespace/host` form (the host is bound only for routes in that namespace, `./` for the
 * gateway's own, `*` for any).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server (hosts)
 */
export function hostsSchema(allowStar = false, allowNamespace = false) {
  return z.array(z.string().min(1)).min(1).superRefine((hosts, ctx) => {
    hosts.forEach((h, i) => {
      const slash = h.indexOf('/');
      const ns = allowNamespace && slash >= 0 ? h.slice(0, slash) : undefined;
      if (ns !== undefined && !(ns === '.' || ns === '*' || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)))
        ctx.addIssue({ code: 'custom', path: [i], message: `"${ns}" in host "${h}" is not a namespace, "." or "*"` });
      const problem = hostProblem(ns !== undefined ? h.slice(slash + 1) : h, allowStar);
      if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    });
  });
}
