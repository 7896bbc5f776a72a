/**
 * Why an object is still alive: the shortest chain of strong references from the GC roots to
 * the first object of a constructor in a V8 heap snapshot (the "Retainers" view of Chrome
 * DevTools, in a terminal).
 *
 *   node --max-old-space-size=4096 --import tsx bench/synth/heap-path.ts FILE.heapsnapshot CONSTRUCTOR
 */
import { readHeapSnapshot } from './heap-snapshot';

const [file, wanted] = process.argv.slice(2);
const { nodes, edges, strings, count, firstEdge, NF, EF, nType, nName, eType, eName, eTo, nodeTypes, edgeTypes } = readHeapSnapshot(file!);
const name = (i: number) => `${nodeTypes[nodes[i * NF + nType]!]}:${strings[nodes[i * NF + nName]!]!.slice(0, 60)}`;
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
    if (type === 'internal' && nodeTypes[nodes[v * NF + nType]!] === 'array' && strings[edges[e + eName]!]!.includes('part of key')) continue;
    const w = edges[e + eTo]! / NF;
    if (from[w] !== -1) continue;
    from[w] = v;
    via[w] = e;
    if (strings[nodes[w * NF + nName]!] === wanted && nodeTypes[nodes[w * NF + nType]!] === 'object') {
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
