/**
 * A length of time. Constructs take a `Duration` (or a string like `"250ms"`, `"2s"`, `"1m"`);
 * the model stores integer milliseconds.
 */
export class Duration {
  private constructor(readonly millis: number) {}

  static millis(n: number): Duration {
    return new Duration(n);
  }
  static seconds(n: number): Duration {
    return new Duration(n * 1000);
  }
  static minutes(n: number): Duration {
    return new Duration(n * 60_000);
  }
  static hours(n: number): Duration {
    return new Duration(n * 3_600_000);
  }

  toString(): string {
    return formatMillis(this.millis);
  }
}

/** Helpers in the style of `duration.seconds(2)`. */
export const duration = {
  millis: Duration.millis,
  seconds: Duration.seconds,
  minutes: Duration.minutes,
  hours: Duration.hours,
};

export type DurationInput = Duration | `${number}${'ms' | 's' | 'm' | 'h'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses a `DurationInput`; returns undefined for a malformed string so the caller can report it. */
export function toMillis(input: DurationInput | number): number | undefined {
  if (input instanceof Duration) return Number.isFinite(input.millis) && input.millis >= 0 ? Math.round(input.millis) : undefined;
  if (typeof input === 'number') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(input));
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/**
 * Formats milliseconds the way Istio's protobuf Duration fields expect them (`"2s"`, `"0.250s"`).
 * @see https://protobuf.dev/reference/protobuf/google.protobuf/#duration
 */
export function formatMillis(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${(ms / 1000).toFixed(3)}s`;
}
