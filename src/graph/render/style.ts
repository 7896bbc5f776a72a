import type { EdgeKind, NodeKind } from '../graph';

/** One palette for every renderer, so the SVG, HTML, DOT and Mermaid pictures agree. */
export const NODE_STYLE: Readonly<Record<NodeKind, { fill: string; stroke: string; radius: number; name: string }>> = {
  service: { fill: '#e8f0fe', stroke: '#1a73e8', radius: 8, name: 'service' },
  version: { fill: '#ffffff', stroke: '#5f6368', radius: 16, name: 'version' },
  gateway: { fill: '#fef7e0', stroke: '#e37400', radius: 2, name: 'gateway' },
  external: { fill: '#fce8e6', stroke: '#c5221f', radius: 2, name: 'external service' },
};

export const EDGE_STYLE: Readonly<Record<EdgeKind, { stroke: string; dash: string; name: string }>> = {
  call: { stroke: '#1a73e8', dash: '', name: 'call (callee policies)' },
  route: { stroke: '#5f6368', dash: '5 3', name: 'route (weights)' },
  ingress: { stroke: '#e37400', dash: '', name: 'gateway route' },
  'external-call': { stroke: '#c5221f', dash: '2 3', name: 'external call' },
};
