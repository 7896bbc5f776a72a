/**
 * The service graph `weft graph` draws: plain data, built from the model (build.ts), laid out by
 * ELK (layout.ts) and rendered by one renderer per format (render/).
 */
export type NodeKind = 'service' | 'version' | 'gateway' | 'external';
export type EdgeKind = 'call' | 'route' | 'ingress' | 'external-call';

export interface GraphNode {
  /** Stable id: `<kind>:<namespace>/<name>[/<version>]`. */
  id: string;
  kind: NodeKind;
  /** Shown in the node. */
  label: string;
  /** Owning team (the filter in the HTML page); gateways and externals have their namespace's team if any. */
  team: string;
  namespace: string;
  /** Shown on hover, one line each. */
  details: string[];
}

export interface GraphEdge {
  id: string;
  kind: EdgeKind;
  source: string;
  target: string;
  /** Shown on the edge: weights and the main policies, short. */
  label: string;
  /** Shown on hover, one line each. */
  details: string[];
}

export interface ServiceGraph {
  /** Mesh and environment, for titles. */
  title: string;
  teams: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Positions from the layout, in SVG user units, rounded so that output is byte-stable. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface LaidOutGraph extends ServiceGraph {
  width: number;
  height: number;
  nodeBoxes: Record<string, Box>;
  edgePaths: Record<string, { points: Point[]; label?: Box }>;
}
