/**
 * Reads a V8 heap snapshot: nodes and edges as flat integer arrays described by `snapshot.meta`,
 * with the field offsets the heap tools need and each node's first edge.
 * @see https://github.com/v8/v8/blob/main/include/v8-profiler.h (HeapGraphNode/HeapGraphEdge)
 */
import { readFileSync } from 'node:fs';

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export function readHeapSnapshot(file: string) {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as SnapshotFile;
  const { meta } = snap.snapshot;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const { nodes, edges, strings } = snap;
  const count = nodes.length / NF;
  const nEdges = meta.node_fields.indexOf('edge_count');
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * NF + nEdges]! * EF;
  }
  firstEdge[count] = edges.length;
  return {
    nodes,
    edges,
    strings,
    count,
    firstEdge,
    NF,
    EF,
    nType: meta.node_fields.indexOf('type'),
    nName: meta.node_fields.indexOf('name'),
    nSelf: meta.node_fields.indexOf('self_size'),
    nEdges,
    eType: meta.edge_fields.indexOf('type'),
    eName: meta.edge_fields.indexOf('name_or_index'),
    eTo: meta.edge_fields.indexOf('to_node'),
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
  };
}
