import type { EdgeKind, LaidOutGraph } from '../graph';
import { EDGE_FONT_PX, LINE_HEIGHT, NODE_FONT_PX, labelLines } from '../label-lines';
import { xml } from './escape';
import { EDGE_STYLE, NODE_STYLE } from './style';

export interface SvgOptions {
  /** Add `<title>` hover text (a standalone SVG); the HTML page shows its own tooltip instead. */
  titles?: boolean;
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/**
 * The laid-out graph as one SVG document: nodes as rounded boxes coloured by kind, edges as
 * orthogonal polylines with arrowheads and their labels at ELK's positions. Every element carries
 * `data-id`, `data-kind` and `data-team`, which the HTML page uses for hover and filtering.
 */
export function renderSvg(g: LaidOutGraph, options: SvgOptions = {}): string {
  const titles = options.titles ?? true;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="weft-graph" viewBox="0 0 ${fmt(g.width)} ${fmt(g.height)}" width="${fmt(g.width)}" height="${fmt(g.height)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" role="img" aria-label="${xml(g.title)}">`,
  );
  out.push('<defs>');
  for (const [kind, s] of Object.entries(EDGE_STYLE) as [EdgeKind, (typeof EDGE_STYLE)[EdgeKind]][]) {
    out.push(`<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${s.stroke}"/></marker>`);
  }
  out.push('</defs>');
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push('<g class="edges">');
  for (const e of g.edges) {
    const path = g.edgePaths[e.id];
    if (!path || path.points.length === 0) continue;
    const s = EDGE_STYLE[e.kind];
    const d = path.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(p.x)},${fmt(p.y)}`).join(' ');
    out.push(`<g class="edge kind-${e.kind}" data-id="${xml(e.id)}" data-kind="${e.kind}" data-source="${xml(e.source)}" data-target="${xml(e.target)}">`);
    if (titles) out.push(`<title>${xml([e.label, ...e.details].filter(Boolean).join('\n'))}</title>`);
    out.push(`<path d="${d}" fill="none" stroke="${s.stroke}" stroke-width="1.4"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${e.kind})"/>`);
    // A wide transparent twin makes the thin line easy to hover.
    out.push(`<path d="${d}" fill="none" stroke="transparent" stroke-width="10"/>`);
    if (path.label && e.label) {
      const l = path.label;
      out.push(`<rect class="edge-label-bg" x="${fmt(l.x)}" y="${fmt(l.y)}" width="${fmt(l.width)}" height="${fmt(l.height)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`);
      labelLines(e.label).forEach((line, i) => {
        out.push(`<text class="edge-label" x="${fmt(l.x + 3)}" y="${fmt(l.y + 1 + LINE_HEIGHT * (i + 1) - 3)}" font-size="${EDGE_FONT_PX}" fill="#3c4043">${xml(line)}</text>`);
      });
    }
    out.push('</g>');
  }
  out.push('</g>');
  out.push('<g class="nodes">');
  for (const n of g.nodes) {
    const b = g.nodeBoxes[n.id];
    if (!b) continue;
    const s = NODE_STYLE[n.kind];
    out.push(`<g class="node kind-${n.kind}" data-id="${xml(n.id)}" data-kind="${n.kind}" data-team="${xml(n.team)}">`);
    if (titles) out.push(`<title>${xml(n.details.join('\n'))}</title>`);
    out.push(`<rect x="${fmt(b.x)}" y="${fmt(b.y)}" width="${fmt(b.width)}" height="${fmt(b.height)}" rx="${s.radius}" fill="${s.fill}" stroke="${s.stroke}" stroke-width="${n.kind === 'service' ? 2 : 1.4}"${n.kind === 'version' ? ' stroke-dasharray="4 2"' : ''}/>`);
    out.push(`<text class="node-label" x="${fmt(b.x + b.width / 2)}" y="${fmt(b.y + b.height / 2 + NODE_FONT_PX * 0.35)}" text-anchor="middle" font-size="${NODE_FONT_PX}" font-weight="${n.kind === 'service' ? 600 : 400}" fill="#202124">${xml(n.label)}</text>`);
    out.push('</g>');
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}
