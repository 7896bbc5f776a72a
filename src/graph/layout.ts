import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { Box, LaidOutGraph, Point, ServiceGraph } from './graph';
import { EDGE_FONT_PX, LINE_HEIGHT, NODE_FONT_PX, labelLines, textWidth } from './label-lines';

/**
 * ELK's layered algorithm (Sugiyama style), left to right: gateways first, callers before
 * callees, with orthogonal edges and their labels placed by ELK. A fixed random seed and the
 * model's declaration order make the layout the same on every run; coordinates are rounded to
 * 0.1 so that the rendered bytes are too.
 * @see https://eclipse.dev/elk/reference/algorithms/org-eclipse-elk-layered.html
 */
const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.randomSeed': '1',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '70',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.edgeLabels.sideSelection': 'ALWAYS_UP',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.padding': '[top=20,left=20,bottom=20,right=20]',
};

export const NODE_HEIGHT = 34;

export function nodeSize(label: string): { width: number; height: number } {
  return { width: Math.max(80, textWidth(label, NODE_FONT_PX) + 28), height: NODE_HEIGHT };
}

export function edgeLabelSize(label: string): { width: number; height: number } {
  const lines = labelLines(label);
  return { width: Math.max(0, ...lines.map((l) => textWidth(l, EDGE_FONT_PX))) + 6, height: lines.length * LINE_HEIGHT + 2 };
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function layoutGraph(graph: ServiceGraph): Promise<LaidOutGraph> {
  const elk = new ELK();
  const root: ElkNode = {
    id: 'root',
    layoutOptions: LAYOUT_OPTIONS,
    children: graph.nodes.map((n) => ({ id: n.id, ...nodeSize(n.label) })),
    edges: graph.edges.map(
      (e): ElkExtendedEdge => ({
        id: e.id,
        sources: [e.source],
        targets: [e.target],
        labels: e.label ? [{ id: `${e.id}#label`, text: e.label, ...edgeLabelSize(e.label) }] : [],
      }),
    ),
  };
  const out = await elk.layout(root);
  const nodeBoxes: Record<string, Box> = {};
  for (const c of out.children ?? []) nodeBoxes[c.id] = { x: round(c.x ?? 0), y: round(c.y ?? 0), width: round(c.width ?? 0), height: round(c.height ?? 0) };
  const edgePaths: LaidOutGraph['edgePaths'] = {};
  for (const e of (out.edges ?? []) as ElkExtendedEdge[]) {
    const points: Point[] = [];
    for (const s of e.sections ?? []) {
      points.push({ x: round(s.startPoint.x), y: round(s.startPoint.y) });
      for (const b of s.bendPoints ?? []) points.push({ x: round(b.x), y: round(b.y) });
      points.push({ x: round(s.endPoint.x), y: round(s.endPoint.y) });
    }
    const l = e.labels?.[0];
    edgePaths[e.id] = { points, ...(l ? { label: { x: round(l.x ?? 0), y: round(l.y ?? 0), width: round(l.width ?? 0), height: round(l.height ?? 0) } } : {}) };
  }
  return { ...graph, width: round(out.width ?? 0), height: round(out.height ?? 0), nodeBoxes, edgePaths };
}
