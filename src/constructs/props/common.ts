import { z } from 'zod';
import { Duration, toMillis, type DurationInput } from '../../model/duration';
import type { StringMatch } from '../../model/common';

/** A duration prop: a `Duration` (`duration.seconds(2)`) or a string such as `"250ms"`, `"2s"`, `"1m"`. */
export const DurationProp = z
  .custom<DurationInput>((v) => v instanceof Duration || typeof v === 'string', {
    message: 'expected a duration such as duration.seconds(2) or "250ms"',
  })
  .transform((v, ctx) => {
    const ms = toMillis(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration; use duration.millis(n) or a string like "250ms", "2s", "1m"` });
      return z.NEVER;
    }
    return ms;
  });

/** `{ exact }`, `{ prefix }` or `{ regex }`; a bare string means exact. */
export const StringMatchProp = z
  .union([
    z.string(),
    z.object({ exact: z.string() }).strict(),
    z.object({ prefix: z.string() }).strict(),
    z.object({ regex: z.string() }).strict(),
  ])
  .transform((v): StringMatch => (typeof v === 'string' ? { exact: v } : v));
export type StringMatchProp = z.input<typeof StringMatchProp>;

export const PercentProp = z.number().min(0).max(100);

/** Kubernetes names: RFC 1123 labels. */
export const DnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label (a-z, 0-9, "-")')
  .max(63);
