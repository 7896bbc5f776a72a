/**
 * Timed probes (timeout checks): a duration measured end to end is the mechanism's own time plus
 * whatever scheduling delay the machine adds on the way — never less. The noise is one-sided, so
 * the outcome and the lower bound are judged on every probe and the upper bound on the fastest:
 * one probe inside it shows the timer fires in time, while a timer that fires late makes every
 * probe late. More probes are sent (up to TIMED_PROBES.max) only while the fastest is still late
 * and nothing else failed, so a loaded machine costs a few probes instead of a false failure.
 * The plan states this in the check's expectation (../../plan/derive.ts, ../../plan/grpc.ts).
 */
export const TIMED_PROBES = { min: 2, max: 5 } as const;

/** Sends `probe` at least `min` times, then more while every probe is `sound` but none is within `hiMs`. */
export async function probeTimed<T extends { durationMs: number }>(probe: () => Promise<T>, sound: (o: T) => boolean, hiMs: number): Promise<T[]> {
  const obs: T[] = [];
  while (obs.length < TIMED_PROBES.min || (obs.length < TIMED_PROBES.max && obs.every(sound) && fastestMs(obs) > hiMs)) obs.push(await probe());
  return obs;
}

export const fastestMs = (obs: readonly { durationMs: number }[]): number => Math.min(...obs.map((o) => o.durationMs));
