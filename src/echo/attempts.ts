/**
 * Attempts seen per `x-request-id`: a retried request reaches the echo again with the same id
 * (the proxy forwards it unchanged), so the n-th arrival is attempt n. Bounded: the oldest ids
 * are forgotten first (a Map iterates in insertion order).
 */
export class AttemptCounter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = 200_000) {}

  /** Records one arrival and returns its attempt number (1-based); no id → always 1. */
  arrive(requestId: string | undefined): number {
    if (!requestId) return 1;
    const n = (this.seen.get(requestId) ?? 0) + 1;
    this.seen.delete(requestId);
    this.seen.set(requestId, n);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
    return n;
  }

  /** Arrivals of ids starting with `prefix` (mirror checks count what reached a mirror target). */
  countPrefix(prefix: string): { ids: number; arrivals: number; shadowIds: number; shadowArrivals: number } {
    let ids = 0;
    let arrivals = 0;
    let shadowIds = 0;
    let shadowArrivals = 0;
    for (const [id, n] of this.seen) {
      if (!id.startsWith(prefix)) continue;
      if (id.endsWith(SHADOW)) {
        shadowIds++;
        shadowArrivals += n;
      } else {
        ids++;
        arrivals += n;
      }
    }
    return { ids, arrivals, shadowIds, shadowArrivals };
  }
}

/**
 * Mirrored copies carry the original x-request-id with `-shadow` appended to Host (Envoy's
 * convention); they are counted under `<id>#shadow` so that a mirror check can tell them from
 * the requests the same instance serves directly.
 */
export const SHADOW = '#shadow';
export function arrivalKey(requestId: string | null, host: string): string | undefined {
  if (!requestId) return undefined;
  const name = host.replace(/:\d+$/, '');
  return name.endsWith('-shadow') ? `${requestId}${SHADOW}` : requestId;
}
