import { parseAllDocuments } from 'yaml';
import { unifiedDiff } from './line-diff';

/** One file of dist/ that differs between the two sides. */
export interface ResourceChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** `dist/`-relative path, e.g. `prod/istio/commerce/virtualservice-order-service.yaml`. */
  readonly path: string;
  /** `VirtualService commerce/order-service`, or the path for a non-manifest file. */
  readonly resource: string;
  /** One line: what changed, e.g. `spec.http[3].route[0].weight: 90 → 80`. */
  readonly summary: string;
  /** Unified diff lines of the file (empty for added or removed files). */
  readonly diff: string[];
}

function parsed(text: string, path: string): unknown {
  try {
    if (path.endsWith('.json')) return JSON.parse(text);
    const docs = parseAllDocuments(text);
    return docs.length === 1 ? docs[0]!.toJS() : docs.map((d) => d.toJS());
  } catch {
    return text;
  }
}

function resourceName(value: unknown, path: string): string {
  const o = value as { kind?: string; metadata?: { name?: string; namespace?: string } } | undefined;
  if (o && typeof o === 'object' && o.kind && o.metadata?.name) return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
  return path;
}

/** Leaf paths whose values differ, in document order: `spec.http[3].route[0].weight: 90 → 80`. */
export function changedFields(before: unknown, after: unknown, at = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === 'object';
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = Array.isArray(before)
      ? [...Array(Math.max((before as unknown[]).length, (after as unknown[]).length)).keys()].map(String)
      : [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])];
    return keys.flatMap((k) => {
      const child = Array.isArray(before) ? `${at}[${k}]` : at ? `${at}.${k}` : k;
      return changedFields((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], child);
    });
  }
  return [`${at || '(document)'}: ${short(before)} → ${short(after)}`];
}

function short(v: unknown): string {
  if (v === undefined) return '(none)';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The resource view: files added, removed and changed between two dist/ trees (`dist/`-relative
 * path → content), each with a one-line summary and, for a change, its line diff.
 */
export function resourceChanges(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ResourceChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ResourceChange[] = [];
  for (const path of paths) {
    const b = before.get(path);
    const a = after.get(path);
    if (b === a) continue;
    if (b === undefined) {
      out.push({ change: 'added', path, resource: resourceName(parsed(a!, path), path), summary: 'added', diff: [] });
    } else if (a === undefined) {
      out.push({ change: 'removed', path, resource: resourceName(parsed(b, path), path), summary: 'removed', diff: [] });
    } else {
      const fields = changedFields(parsed(b, path), parsed(a, path));
      const summary = fields.length === 0 ? 'formatting only' : fields.length <= 2 ? fields.join('; ') : `${fields.slice(0, 2).join('; ')}; and ${fields.length - 2} more`;
      out.push({ change: 'changed', path, resource: resourceName(parsed(a, path), path), summary, diff: unifiedDiff(b, a) });
    }
  }
  return out;
}
