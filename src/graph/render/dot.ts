import type { ServiceGraph } from '../graph';
import { EDGE_STYLE, NODE_STYLE } from './style';

/** A DOT double-quoted string. @see https://graphviz.org/doc/info/lang.html */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const SHAPES = { service: 'box', version: 'box', gateway: 'hexagon', external: 'parallelogram' } as const;

/**
 * Graphviz DOT, left to right, one cluster per team, with the same labels, colours and hover
 * text (`tooltip`) as the SVG; Graphviz lays it out itself (`dot -Tsvg`).
 */
export function renderDot(g: ServiceGraph): string {
  const out = [`digraph ${q(g.title)} {`, '  rankdir=LR;', '  node [fontname="sans-serif" fontsize=11];', '  edge [fontname="sans-serif" fontsize=9];'];
  const teams = [...g.teams, ''];
  for (const team of teams) {
    const members = g.nodes.filter((n) => n.team === team);
    if (members.length === 0) continue;
    const indent = team ? '    ' : '  ';
    if (team) out.push(`  subgraph ${q(`cluster_${team}`)} {`, `    label=${q(`team ${team}`)};`, '    style=dashed;');
    for (const n of members) {
      const s = NODE_STYLE[n.kind];
      const style = n.kind === 'version' ? 'rounded,dashed,filled' : n.kind === 'service' ? 'rounded,filled,bold' : 'filled';
      out.push(`${indent}${q(n.id)} [label=${q(n.label)} shape=${SHAPES[n.kind]} style=${q(style)} fillcolor=${q(s.fill)} color=${q(s.stroke)} tooltip=${q(n.details.join('\n'))}];`);
    }
    if (team) out.push('  }');
  }
  for (const e of g.edges) {
    const s = EDGE_STYLE[e.kind];
    out.push(`  ${q(e.source)} -> ${q(e.target)} [label=${q(e.label)} color=${q(s.stroke)}${s.dash ? ' style=dashed' : ''} tooltip=${q([e.label, ...e.details].filter(Boolean).join('\n'))}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
