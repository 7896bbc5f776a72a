/**
 * Summarises V8's `--trace-gc` output (one line per collection, e.g.
 * `[pid:0x…]  45 ms: Scavenge 3.9 (4.0) -> 3.6 (5.0) MB, 1.10 / 0.00 ms  (average mu …) allocation failure;`;
 * Node 24's V8 adds `pooled: 0 MB,` before the pause): how many collections of each kind ran and
 * their main-thread pauses. The first number of `a / b ms` is the pause on the main thread, the
 * second the time spent outside it. Pure, for bench/proxy/memory.ts and its test.
 * @see https://v8.dev/blog/trash-talk (Scavenge: young generation; Mark-Compact: full GC)
 */

export interface GcKind {
  count: number;
  totalMs: number;
  /** The median pause: unlike the maximum, it holds on a busy machine (a preemption hits few). */
  medianMs: number;
  maxMs: number;
}

export interface GcSummary {
  kinds: Record<string, GcKind>;
  text: string;
}

const LINE = /\d+ ms: ((?:Minor )?Mark-(?:Compact|Sweep)(?: \(reduce\))?|Scavenge)\b[^,]*MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

export function summarizeGcTrace(trace: string): GcSummary {
  const pauses = new Map<string, number[]>();
  for (const line of trace.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    pauses.set(m[1]!, [...(pauses.get(m[1]!) ?? []), Number(m[2])]);
  }
  const kinds: Record<string, GcKind> = {};
  for (const [name, list] of [...pauses].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...list].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    kinds[name] = {
      count: list.length,
      totalMs: list.reduce((a, b) => a + b, 0),
      medianMs: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
      maxMs: sorted.at(-1)!,
    };
  }
  const entries = Object.entries(kinds);
  const text = entries.length ? entries.map(([k, v]) => `${v.count} × ${k} (total ${v.totalMs.toFixed(1)} ms, median ${v.medianMs.toFixed(2)} ms, max ${v.maxMs.toFixed(2)} ms)`).join(', ') : 'none';
  return { kinds, text };
}
