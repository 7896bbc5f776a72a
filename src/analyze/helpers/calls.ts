import { serviceKey, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';

/** The `calls` graph between declared services: who calls whom, each edge once. */
export class CallGraph {
  private readonly out = new Map<string, string[]>();

  constructor(readonly model: MeshModel) {
    const known = new Set(model.services.map(serviceKey));
    for (const s of model.services) {
      const from = serviceKey(s);
      const edges = this.out.get(from) ?? [];
      for (const c of s.calls) {
        if (c.target.kind !== 'service') continue;
        const to = serviceKey(c.target.service);
        if (known.has(to) && !edges.includes(to)) edges.push(to);
      }
      this.out.set(from, edges);
    }
  }

  calls(from: ServiceRef, to: ServiceRef): boolean {
    return this.out.get(serviceKey(from))?.includes(serviceKey(to)) ?? false;
  }

  /** Keys of the services `from` calls, in declaration order. */
  targets(from: ServiceRef): readonly string[] {
    return this.out.get(serviceKey(from)) ?? [];
  }

  /** Declared services that list `to` in their calls, in declaration order, each once. */
  callersOf(to: ServiceRef): Service[] {
    const seen = new Set<string>();
    return this.model.services.filter((s) => {
      const k = serviceKey(s);
      if (seen.has(k) || !this.calls(s, to)) return false;
      seen.add(k);
      return true;
    });
  }
}

export function sameService(a: ServiceRef, b: ServiceRef): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}
