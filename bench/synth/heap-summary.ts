/**
 * What holds a V8 heap snapshot's memory: self size per constructor, and the objects that
 * retain the most (retained size = what would be freed with the object: its dominator subtree).
 *
 *   node --max-old-space-size=4096 --import tsx bench/synth/heap-summary.ts FILE.heapsnapshot [--top 40]
 *
 * The snapshot format (nodes and edges as flat integer arrays described by `snapshot.meta`) is
 * V8's, @see https://github.com/v8/v8/blob/main/include/v8-profiler.h (HeapGraphNode/HeapGraphEdge)
 * and Chrome DevTools' HeapSnapshot.ts. Dominators by the iterative algorithm of Cooper, Harvey
 * and Kennedy, "A Simple, Fast Dominance Algorithm" (2001); weak edges do not retain.
 */
import { parseArgs } from 'node:util';
import { readHeapSnapshot } from './heap-snapshot';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '40' } }, allowPositionals: true });
const TOP = Number(values.top);

const { nodes, edges, strings, count, firstEdge, NF, EF, nType, nName, nSelf, eType, eTo, nodeTypes, edgeTypes } = readHeapSnapshot(positionals[0]!);
const WEAK = edgeTypes.indexOf('weak');
const label = (i: number) => {
  const type = nodeTypes[nodes[i * NF + nType]!]!;
  const name = strings[nodes[i * NF + nName]!]!;
  return type === 'object' || type === 'closure' ? `${name}` : `(${type}) ${type === 'string' || type === 'concatenated string' ? '' : name.slice(0, 40)}`;
};

// Self size per label.
const selfBy = new Map<string, { size: number; count: number }>();
for (let i = 0; i < count; i++) {
  const key = label(i);
  const entry = selfBy.get(key) ?? { size: 0, count: 0 };
  entry.size += nodes[i * NF + nSelf]!;
  entry.count++;
  selfBy.set(key, entry);
}

// Postorder from the root (node 0), strong edges only.
const order = new Int32Array(count).fill(-1);
const post: number[] = [];
{
  const stack: number[] = [0];
  const cursor = new Uint32Array(count);
  order[0] = -2;
  for (let i = 0; i < count; i++) cursor[i] = firstEdge[i]!;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    let pushed = false;
    while (cursor[v]! < firstEdge[v + 1]!) {
      const e = cursor[v]!;
      cursor[v] = e + EF;
      if (edges[e + eType] === WEAK) continue;
      const w = edges[e + eTo]! / NF;
      if (order[w] !== -1) continue;
      order[w] = -2;
      stack.push(w);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      order[v] = post.length;
      post.push(v);
    }
  }
}
// Predecessors (strong edges, reachable nodes).
const predCount = new Uint32Array(count + 1);
for (let v = 0; v < count; v++) {
  if (order[v]! < 0) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (edges[e + eType] !== WEAK) predCount[edges[e + eTo]! / NF]!++;
}
const predStart = new Uint32Array(count + 1);
for (let i = 0; i < count; i++) predStart[i + 1] = predStart[i]! + predCount[i]!;
const preds = new Uint32Array(predStart[count]!);
const fill = predStart.slice();
for (let v = 0; v < count; v++) {
  if (order[v]! < 0) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (edges[e + eType] !== WEAK) preds[fill[edges[e + eTo]! / NF]!++] = v;
}
const idom = new Int32Array(count).fill(-1);
idom[0] = 0;
for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
  changed = false;
  for (let k = post.length - 2; k >= 0; k--) {
    const b = post[k]!;
    let next = -1;
    for (let p = predStart[b]!; p < predStart[b + 1]!; p++) {
      const q = preds[p]!;
      if (idom[q] === -1) continue;
      if (next === -1) next = q;
      else {
        let x = q;
        let y = next;
        while (x !== y) {
          while (order[x]! < order[y]!) x = idom[x]!;
          while (order[y]! < order[x]!) y = idom[y]!;
        }
        next = x;
      }
    }
    if (next !== -1 && idom[b] !== next) {
      idom[b] = next;
      changed = true;
    }
  }
}
const retained = new Float64Array(count);
for (const v of post) retained[v] = retained[v]! + nodes[v * NF + nSelf]!;
for (const v of post) if (v !== 0 && idom[v]! >= 0) retained[idom[v]!] = retained[idom[v]!]! + retained[v]!;

const mb = (n: number) => (n / 1e6).toFixed(1);
const total = retained[0]!;
console.log(`total reachable: ${mb(total)} MB, ${post.length} of ${count} nodes`);
console.log('\nself size by constructor:');
for (const [key, { size, count: n }] of [...selfBy].sort((a, b) => b[1].size - a[1].size).slice(0, TOP)) console.log(`  ${mb(size).padStart(8)} MB  ${String(n).padStart(8)}  ${key}`);

// The largest retainers that are not (synthetic) roots, with the chain of their dominators.
console.log('\nlargest retained sizes (dominator chain, innermost last):');
const isRootish = (i: number) => nodeTypes[nodes[i * NF + nType]!] === 'synthetic';
const candidates = post.filter((v) => !isRootish(v) && retained[v]! > total / 200).sort((a, b) => retained[b]! - retained[a]!);
for (const v of candidates.slice(0, TOP)) {
  const chain: string[] = [];
  for (let d = idom[v]!, guard = 0; d > 0 && guard < 6; d = idom[d]!, guard++) chain.unshift(label(d));
  console.log(`  ${mb(retained[v]!).padStart(8)} MB  ${label(v)}   <- ${chain.join(' > ')}`);
}
