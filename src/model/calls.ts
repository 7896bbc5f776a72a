import { serviceKey, type ServiceRef } from './common';
import type { MeshModel } from './mesh';
import type { Service } from './service';
import { memoized } from './memo';

/**
 * The `calls` graph between declared services: who calls whom, each edge once. Edges and the
 * reverse edges (callers) are indexed once, so every query is O(1) or O(answer).
 */
export class CallGraph {
  private readonly out = new Map<string, string[]>();
  private readonly outSet = new Map<string, Set<string>>();
  private readonly callers = new Map<string, Service[]>();

  constructor(readonly model: MeshModel) {
    const known = new Set(model.services.map(serviceKey));
    for (const s of model.services) {
      const from = serviceKey(s);
      // A service declared twice (WEFT110) shares one key: its edges are the union of both.
      let edges = this.out.get(from);
      let set = this.outSet.get(from);
      if (!edges || !set) {
        this.out.set(from, (edges = []));
        this.outSet.set(from, (set = new Set()));
      }
      for (const c of s.calls) {
        if (c.target.kind !== 'service') continue;
        const to = serviceKey(c.target.service);
        if (known.has(to) && !set.has(to)) {
          set.add(to);
          edges.push(to);
        }
      }
    }
    // Callers in declaration order, each key once, as its first declared service.
    const seen = new Set<string>();
    for (const s of model.services) {
      const from = serviceKey(s);
      if (seen.has(from)) continue;
      seen.add(from);
      for (const to of this.out.get(from)!) {
        const list = this.callers.get(to);
        if (list) list.push(s);
        else this.callers.set(to, [s]);
      }
    }
  }

  calls(from: ServiceRef, to: ServiceRef): boolean {
    return this.outSet.get(serviceKey(from))?.has(serviceKey(to)) ?? false;
  }

  /** Keys of the services `from` calls, in declaration order. */
  targets(from: ServiceRef): readonly string[] {
    return this.out.get(serviceKey(from)) ?? [];
  }

  /** Declared services that list `to` in their calls, in declaration order, each once. */
  callersOf(to: ServiceRef): Service[] {
    return [...(this.callers.get(serviceKey(to)) ?? [])];
  }
}

/** The call graph of a model, built once per model (memo.ts). */
export const callGraphOf = memoized('call-graph', (model) => new CallGraph(model));
