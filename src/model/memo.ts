import type { MeshModel } from './mesh';

/**
 * Per-model memo for derived indexes (namespaces, services by host, the call graph, and the
 * analyzer's delegations and environment views). Model queries, rules and targets ask for an
 * index by model; it is built once per model instead of once per lookup, which keeps every
 * rule and emitter linear (or n log n) in services, routes and calls rather than quadratic.
 * Synth compiles each environment's model inside one memo, so each index is built once per
 * environment.
 *
 * An index is only reused while its model cannot change under it:
 * - inside `withModelMemo()` (an analyzer run, a compile), for every model seen during that
 *   run (neither rules nor targets mutate the model, and the memo is dropped when the run ends);
 * - outside it, for deep-frozen models (`Mesh.toModel()` freezes its result), whose contents
 *   cannot change.
 * Any other model (a hand-built, mutable one) gets a fresh index per call: correct, just slower.
 */
type Slots = Map<symbol, unknown>;

let lookups = 0;

/**
 * Counts one lookup in a model index. The linear-growth test compares the count for 1,000 and
 * 4,000 services: counting operations, unlike timing them, holds on a loaded machine.
 */
export function countLookup(): void {
  lookups++;
}

/** Model-index lookups since the process started (see `countLookup`). */
export function modelIndexLookups(): number {
  return lookups;
}

let scope: WeakMap<object, Slots> | undefined;
const frozen = new WeakMap<object, Slots>();

/** Runs `fn` with one memo for every model it touches; the memo is dropped afterwards. */
export function withModelMemo<T>(fn: () => T): T {
  const outer = scope;
  scope ??= new WeakMap();
  try {
    return fn();
  } finally {
    scope = outer;
  }
}

function slotsOf(model: MeshModel): Slots | undefined {
  const key = model as object;
  const table = scope ?? (Object.isFrozen(model) && Object.isFrozen(model.services) && Object.isFrozen(model.teams) ? frozen : undefined);
  if (!table) return undefined;
  let slots = table.get(key);
  if (!slots) table.set(key, (slots = new Map()));
  return slots;
}

/** Whether indexes of `model` are kept (see above); helpers use a plain scan when they are not. */
export function isMemoized(model: MeshModel): boolean {
  return slotsOf(model) !== undefined;
}

/** A memoized index: `memo(model)` builds it on first use per model (see above for when it is reused). */
export function memoized<T>(name: string, build: (model: MeshModel) => T): (model: MeshModel) => T {
  const slot = Symbol(name);
  return (model) => {
    lookups++;
    const slots = slotsOf(model);
    if (!slots) return build(model);
    if (slots.has(slot)) return slots.get(slot) as T;
    const value = build(model);
    slots.set(slot, value);
    return value;
  };
}
