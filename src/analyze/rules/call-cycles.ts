import { serviceKey } from '../../model/common';
import type { Call, Service } from '../../model/service';
import type { Rule } from '../rule';
import { callGraphOf } from '../../model/calls';
import { stronglyConnectedComponents } from '../helpers/scc';
import { serviceLabel } from '../helpers/format';

/** More cycles than this are summarised in one last diagnostic rather than listed one by one. */
const MAX_CYCLES = 50;

/**
 * Dependency cycles in `calls` (a → b → a, or a service calling itself). A cycle means a request
 * can come back to a service it already passed through: retries multiply along it, a slow member
 * slows every member, and no member can be deployed or restarted first. Each elementary cycle is
 * reported once, starting at its earliest-declared service, at that service's call to the next;
 * cycles come out in declaration order.
 */
export const callCycles: Rule = {
  id: 'call-cycles',
  codes: { WEFT401: { severity: 'warning', title: 'dependency cycle' } },
  check(ctx) {
    const graph = callGraphOf(ctx.model);
    const services = uniqueServices(ctx.model.services);
    const order = new Map(services.map((s, i) => [serviceKey(s), i]));
    const byKey = new Map(services.map((s) => [serviceKey(s), s]));
    const keys = services.map(serviceKey);
    // Every cycle lies inside one strongly connected component, so the search below never leaves
    // the component of its start. That keeps it linear in services and calls when the graph has
    // no cycles (each start only looks at its own edges), instead of walking every path onward.
    const component = stronglyConnectedComponents(keys, (k) => graph.targets(byKey.get(k)!));
    const cycles: string[][] = [];
    // Cycles whose smallest node (in declaration order) is `start`: a depth-first search that only
    // visits later nodes finds each elementary cycle exactly once, in the order a recursive search
    // following `calls` in declaration order would. Iterative, so that a long cycle cannot
    // overflow the stack.
    search: for (const s0 of keys) {
      const i0 = order.get(s0)!;
      const c0 = component.get(s0)!;
      const path = [s0];
      const onPath = new Set(path);
      const next: number[] = [0];
      while (path.length > 0) {
        const node = path[path.length - 1]!;
        const targets = graph.targets(byKey.get(node)!);
        const i = next[next.length - 1]!;
        if (i >= targets.length) {
          path.pop();
          next.pop();
          onPath.delete(node);
          continue;
        }
        next[next.length - 1] = i + 1;
        if (cycles.length > MAX_CYCLES) break search;
        const to = targets[i]!;
        if (to === s0) cycles.push([...path]);
        else if (component.get(to) === c0 && order.get(to)! > i0 && !onPath.has(to)) {
          path.push(to);
          onPath.add(to);
          next.push(0);
        }
      }
    }
    for (const cycle of cycles.slice(0, MAX_CYCLES)) {
      const members = cycle.map((k) => byKey.get(k)!);
      const first = members[0]!;
      const next = members[1] ?? first;
      const names = [...members, first].map((s) => serviceLabel(s, ctx.model));
      ctx.report(
        'WEFT401',
        callOf(first, next) ?? first,
        `services call each other in a cycle: ${names.join(' → ')}`,
        'break the cycle: move the shared logic into a service both call, or replace one call with an asynchronous message',
      );
    }
    if (cycles.length > MAX_CYCLES) {
      const first = ctx.model.services[0]!;
      ctx.report('WEFT401', first, `more than ${MAX_CYCLES} dependency cycles; only the first ${MAX_CYCLES} are listed`, 'break the cycles listed above first');
    }
  },
};

function uniqueServices(services: readonly Service[]): Service[] {
  const seen = new Set<string>();
  return services.filter((s) => !seen.has(serviceKey(s)) && (seen.add(serviceKey(s)), true));
}

function callOf(from: Service, to: Service): Call | undefined {
  return from.calls.find((c) => c.target.kind === 'service' && serviceKey(c.target.service) === serviceKey(to));
}
