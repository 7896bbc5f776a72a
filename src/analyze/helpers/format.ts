import type { ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { SourceLocation } from '../../diagnostics/location';
import type { Service } from '../../model/service';
import { memoized } from '../../model/memo';

/** Milliseconds as a person writes them: `250ms`, `2s`, `1.5s`, `2m`. */
export function humanMillis(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * A service as messages name it: its bare name, or `namespace/name` when another namespace
 * declares a service of the same name (or the reference names no declared service).
 */
export function serviceLabel(ref: ServiceRef, model: MeshModel): string {
  const same = servicesByName(model).get(ref.name) ?? [];
  const known = same.some((s) => s.namespace === ref.namespace);
  return known && same.every((s) => s.namespace === ref.namespace) ? ref.name : `${ref.namespace}/${ref.name}`;
}

/** `"a", "b" and "c"`. */
export function quotedList(items: readonly string[]): string {
  const q = items.map((i) => `"${i}"`);
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

/** `line 12`, or `other.ts:12` when the other declaration is in a different file. */
export function whereLabel(loc: SourceLocation | undefined, relativeTo: SourceLocation | undefined): string {
  if (!loc) return 'elsewhere';
  if (relativeTo && loc.file !== relativeTo.file) return `${loc.file}:${loc.line}`;
  return `line ${loc.line}`;
}

/** Declared services by bare name, in declaration order. */
export const servicesByName = memoized('services-by-name', (model) => {
  const map = new Map<string, Service[]>();
  for (const s of model.services) {
    const list = map.get(s.name);
    if (list) list.push(s);
    else map.set(s.name, [s]);
  }
  return map as ReadonlyMap<string, readonly Service[]>;
});
