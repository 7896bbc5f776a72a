import type { EchoReply } from '../../echo/server';

/** What one probe saw. */
export interface Observation {
  requestId: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The echo's answer, when the response came from an echo workload. */
  echo?: EchoReply;
  durationMs: number;
  /** Envoy-style response flags the proxy reported (x-weft-response-flags). */
  flags: string[];
  /** No response (reset, refused): the error code. */
  error?: string;
}

export function observe(requestId: string, status: number, headers: Record<string, string>, body: string, durationMs: number, error?: string): Observation {
  let echo: EchoReply | undefined;
  if (headers['x-weft-echo-service'] !== undefined) {
    try {
      echo = JSON.parse(body) as EchoReply;
    } catch {
      echo = undefined;
    }
  }
  // Envoy writes `-` for no flag; sidecars on the way each append theirs (comma-joined).
  const flags = (headers['x-weft-response-flags'] ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '' && f !== '-');
  return { requestId, status, headers, body, echo, durationMs, flags, ...(error ? { error } : {}) };
}

/**
 * A rate limit rejected the probe: the proxy's 429, or — where the limited service declares a
 * `rate-limited` fallback — its preset answer; both keep the RL flag (docs/degradation.md).
 */
export function rateLimited(o: Observation): boolean {
  return o.flags.includes('RL') && (o.status === 429 || o.headers['x-weft-fallback'] === 'rate-limited');
}
