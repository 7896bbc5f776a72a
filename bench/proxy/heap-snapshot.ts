/**
 * The largest object groups of a V8 heap snapshot (`v8.writeHeapSnapshot()`), by shallow size —
 * what DevTools' Memory panel shows as "Summary": objects grouped by constructor name, closures
 * by function name (`name()`), everything else by node type (`(code)`, `(string)`, `(array)`, …). Pure, for
 * bench/proxy/memory.ts and its test.
 * @see https://developer.chrome.com/docs/devtools/memory-problems/heap-snapshots (format: meta.node_fields)
 */

export interface ObjectGroup {
  name: string;
  count: number;
  /** Sum of the shallow (self) sizes, bytes. */
  size: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function largestObjectGroups(snapshotJson: string, limit: number): ObjectGroup[] {
  const s = JSON.parse(snapshotJson) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const groups = new Map<string, ObjectGroup>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    const name = type === 'object' ? s.strings[s.nodes[i + nameAt]!]! : type === 'closure' ? `${s.strings[s.nodes[i + nameAt]!]!}()` : `(${type})`;
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, count: 0, size: 0 }));
    g.count++;
    g.size += s.nodes[i + sizeAt]!;
  }
  return [...groups.values()].sort((a, b) => b.size - a.size || a.name.localeCompare(b.name)).slice(0, limit);
}
