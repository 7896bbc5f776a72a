/**
 * An endpoint source: something that tells, over time, which addresses serve one subset of a
 * service. Sources report only successful lookups; a failed lookup is counted and retried, and
 * the last good set keeps serving (the manager holds it), so a registry outage never empties a
 * subset. That is the local cache that keeps traffic flowing through a registry outage.
 */
export interface DiscoveredEndpoint {
  address: string;
  port: number;
  weight: number;
}

export interface SourceStats {
  /** Successful lookups (each may or may not change the set). */
  updates: number;
  failures: number;
  lastError: string | null;
}

export interface EndpointSource {
  /** A stable description (`dns:reviews-v1.shop.svc.cluster.local:8080`) for logs and metrics. */
  readonly name: string;
  readonly stats: SourceStats;
  start(onEndpoints: (endpoints: DiscoveredEndpoint[]) => void): void;
  stop(): void;
}

/** Sorted, so that equal sets compare equal whatever order the registry answered in. */
export function canonical(endpoints: readonly DiscoveredEndpoint[]): DiscoveredEndpoint[] {
  return [...endpoints].sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
}

export function sameEndpoints(a: readonly DiscoveredEndpoint[], b: readonly DiscoveredEndpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => e.address === b[i]!.address && e.port === b[i]!.port && e.weight === b[i]!.weight);
}

/** Exponential back-off for a failing registry, capped. */
export function backoff(failuresInARow: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failuresInARow - 1, 16));
}
