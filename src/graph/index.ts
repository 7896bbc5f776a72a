import type { MeshModel } from '../model/mesh';
import { buildGraph } from './build';
import { layoutGraph } from './layout';
import { renderDot } from './render/dot';
import { renderHtml } from './render/html';
import { renderMermaid } from './render/mermaid';
import { renderSvg } from './render/svg';

export type GraphFormat = 'svg' | 'html' | 'mermaid' | 'dot';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['svg', 'html', 'mermaid', 'dot'];

export { buildGraph } from './build';
export { layoutGraph } from './layout';
export type { ServiceGraph, LaidOutGraph, GraphNode, GraphEdge } from './graph';

/**
 * `weft graph`: model → graph → layout (for the formats that carry positions) → text. Mermaid
 * and DOT leave the layout to their own engines.
 */
export async function drawGraph(model: MeshModel, format: GraphFormat): Promise<string> {
  const graph = buildGraph(model);
  if (format === 'mermaid') return renderMermaid(graph);
  if (format === 'dot') return renderDot(graph);
  const laid = await layoutGraph(graph);
  return format === 'html' ? renderHtml(laid) : renderSvg(laid);
}
