/**
 * Header edits of a route (Istio `Headers`: remove, then set (overwrite), then add (append)),
 * compiled once at config load and applied in place to a flat `[name, value, …]` list.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
 */
import type { HeaderOps } from '../config/schema';
import { removeHeader, setHeader } from './types';

export interface HeaderEdits {
  readonly remove: readonly string[];
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly add: ReadonlyArray<readonly [string, string]>;
}

/** Lower-cases the names; null when nothing is declared, so that callers skip the edit entirely. */
export function compileHeaderEdits(ops: HeaderOps | undefined): HeaderEdits | null {
  if (!ops) return null;
  const lower = (o: Record<string, string> | undefined): Array<[string, string]> => Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v]);
  const edits = { remove: (ops.remove ?? []).map((h) => h.toLowerCase()), set: lower(ops.set), add: lower(ops.add) };
  return edits.remove.length + edits.set.length + edits.add.length === 0 ? null : edits;
}

export function applyHeaderEdits(headers: string[], edits: HeaderEdits): void {
  for (const name of edits.remove) removeHeader(headers, name);
  for (const [k, v] of edits.set) setHeader(headers, k, v);
  for (const [k, v] of edits.add) headers.push(k, v);
}
