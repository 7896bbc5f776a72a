/**
 * Why an object is still alive: the shortest chain of strong references from the GC roots to
 * the first object of a constructor in a V8 heap snapshot (the "Retainers" view of Chrome
 * DevTools, in a terminal).
 *
 *   node --max-old-space-size=4096 --import tsx bench/synth/heap-path.ts FILE.heapsnapshot CONSTRUCTOR
 */
import { readFileSync } from 'node:fs';

const [file, wanted] = process.argv.slice(2);
const snap = JSON.parse(readFileSync(file!, 'utf8')) as {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
};
const { meta } = snap.snapshot;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nName = meta.node_fields.indexOf('name');
const nType = meta.node_fields.indexOf('type');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + nEdges]! * EF;
}
firstEdge[count] = edges.length;
const name = (i: number) => `${meta.node_types[0][nodes[i * NF + nType]!]}:${strings[nodes[i * NF + nName]!]!.slice(0, 60)}`;
const via = new Int32Array(count).fill(-1);
const from = new Int32Array(count).fill(-1);
const queue = [0];
from[0] = 0;
let found = -1;
for (let q = 0; q < queue.length && found < 0; q++) {
  const v = queue[q]!;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
    const type = edgeTypes[edges[e + eType]!];
    if (type === 'weak') continue;
    // A WeakMap's table holds each value only while its key lives (an ephemeron); V8 writes
    // that edge from the table and from the key, and only the key's is a reason to be alive.
    if (type === 'internal' && meta.node_types[0][nodes[v * NF + nType]!] === 'array' && strings[edges[e + eName]!]!.includes('part of key')) continue;
    const w = edges[e + eTo]! / NF;
    if (from[w] !== -1) continue;
    from[w] = v;
    via[w] = e;
    if (strings[nodes[w * NF + nName]!] === wanted && meta.node_types[0][nodes[w * NF + nType]!] === 'object') {
      found = w;
      break;
    }
    queue.push(w);
  }
}
if (found < 0) {
  console.log(`no reachable ${wanted}`);
  process.exit(0);
}
const chain: string[] = [];
for (let v = found; v !== 0; v = from[v]!) {
  const e = via[v]!;
  const type = edgeTypes[edges[e + eType]!];
  const label = type === 'element' || type === 'hidden' ? `[${edges[e + eName]}]` : `.${strings[edges[e + eName]!]}`;
  chain.unshift(`${name(from[v]!)} --${type}${label}--> ${name(v)}`);
}
console.log(chain.join('\n'));
