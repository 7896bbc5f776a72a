import type { GraphNode, ServiceGraph } from '../graph';
import { EDGE_STYLE, NODE_STYLE } from './style';

/** Mermaid escapes quotes in labels as HTML entities. @see https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters */
function text(s: string): string {
  return s.replace(/"/g, '#quot;');
}

function shape(n: GraphNode, id: string): string {
  const l = `"${text(n.label)}"`;
  switch (n.kind) {
    case 'service':
      return `${id}[${l}]`;
    case 'version':
      return `${id}([${l}])`;
    case 'gateway':
      return `${id}{{${l}}}`;
    case 'external':
      return `${id}[/${l}/]`;
  }
}

/**
 * A Mermaid flowchart (left to right), one subgraph per team, for pasting into Markdown (GitHub
 * renders it). Node ids are positional (`n0`, `n1`, …) because model ids contain `/` and `:`.
 * Mermaid lays it out itself; the labels and classes are the same as in the SVG.
 */
export function renderMermaid(g: ServiceGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const out = ['flowchart LR'];
  const teams = [...g.teams, ''];
  for (const team of teams) {
    const members = g.nodes.filter((n) => n.team === team);
    if (members.length === 0) continue;
    const indent = team ? '    ' : '  ';
    if (team) out.push(`  subgraph team_${teams.indexOf(team)}["team ${text(team)}"]`);
    for (const n of members) out.push(`${indent}${shape(n, ids.get(n.id)!)}:::${n.kind}`);
    if (team) out.push('  end');
  }
  for (const e of g.edges) {
    const arrow = EDGE_STYLE[e.kind].dash ? '-.->' : '-->';
    out.push(`  ${ids.get(e.source)} ${arrow}${e.label ? `|"${text(e.label)}"|` : ''} ${ids.get(e.target)}`);
  }
  for (const [kind, s] of Object.entries(NODE_STYLE)) out.push(`  classDef ${kind} fill:${s.fill},stroke:${s.stroke}`);
  return out.join('\n') + '\n';
}
