import type { LaidOutGraph } from '../graph';
import { xml } from './escape';
import { renderSvg } from './svg';
import { EDGE_STYLE, NODE_STYLE } from './style';

/** JSON inside a `<script>`: `<` escaped so that no string can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The graph as one self-contained HTML page (no external script, style, font or image): the SVG
 * inline, a legend, a team filter, zoom (wheel, buttons, drag to pan) and a hover card with each
 * node's and edge's details. The script only reads the SVG's data attributes and the embedded
 * details, so the page works offline and from a file:// URL.
 */
export function renderHtml(g: LaidOutGraph): string {
  const details = Object.fromEntries([...g.nodes.map((n) => [n.id, { title: n.label, lines: n.details }]), ...g.edges.map((e) => [e.id, { title: e.label || e.kind, lines: e.details }])]);
  const legend = [
    ...Object.values(NODE_STYLE).map((s) => `<span class="key"><span class="swatch" style="background:${s.fill};border-color:${s.stroke}"></span>${xml(s.name)}</span>`),
    ...Object.values(EDGE_STYLE).map((s) => `<span class="key"><span class="line" style="border-top-color:${s.stroke};border-top-style:${s.dash ? 'dashed' : 'solid'}"></span>${xml(s.name)}</span>`),
  ].join('');
  const options = ['<option value="">all teams</option>', ...g.teams.map((t) => `<option value="${xml(t)}">${xml(t)}</option>`)].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${xml(g.title)} — service graph</title>
<style>
  body { margin: 0; font: 13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #202124; background: #f8f9fa; }
  header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 16px; background: #fff; border-bottom: 1px solid #dadce0; }
  h1 { font-size: 16px; margin: 0 12px 0 0; }
  .key { display: inline-flex; align-items: center; gap: 4px; margin-right: 10px; color: #5f6368; }
  .swatch { width: 14px; height: 10px; border: 1.5px solid; border-radius: 3px; display: inline-block; }
  .line { width: 18px; border-top: 2px solid; display: inline-block; }
  button, select { font: inherit; padding: 3px 8px; }
  #stage { position: relative; height: calc(100vh - 60px); overflow: hidden; cursor: grab; background: #fff; }
  #stage.panning { cursor: grabbing; }
  #stage svg { width: 100%; height: 100%; display: block; }
  .node, .edge { cursor: pointer; }
  .dimmed { opacity: 0.12; }
  .highlight > path:first-of-type { stroke-width: 3; }
  .node.highlight rect { stroke-width: 3; }
  #tooltip { position: absolute; pointer-events: none; max-width: 420px; background: #202124; color: #fff; padding: 8px 10px; border-radius: 6px; font-size: 12px; line-height: 1.45; box-shadow: 0 2px 8px rgba(0,0,0,.25); display: none; z-index: 2; }
  #tooltip b { display: block; margin-bottom: 3px; }
  #count { color: #5f6368; }
</style>
</head>
<body>
<header>
  <h1>${xml(g.title)}</h1>
  <label>Team <select id="team-filter">${options}</select></label>
  <span id="count">${g.nodes.length} nodes, ${g.edges.length} edges</span>
  <span><button id="zoom-in" title="zoom in">+</button> <button id="zoom-out" title="zoom out">−</button> <button id="zoom-fit" title="fit to window">fit</button></span>
  <span>${legend}</span>
</header>
<div id="stage">
${renderSvg(g, { titles: false })}<div id="tooltip" role="tooltip"></div>
</div>
<script id="weft-details" type="application/json">${scriptJson(details)}</script>
<script>
(function () {
  'use strict';
  var details = JSON.parse(document.getElementById('weft-details').textContent);
  var svg = document.getElementById('weft-graph');
  var stage = document.getElementById('stage');
  var tip = document.getElementById('tooltip');
  // The attribute, not viewBox.baseVal: baseVal holds float32 values that would not round-trip.
  var full = svg.getAttribute('viewBox').split(' ').map(Number);
  var home = { x: full[0], y: full[1], w: full[2], h: full[3] };
  var view = { x: home.x, y: home.y, w: home.w, h: home.h };
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  function apply() { svg.setAttribute('viewBox', [view.x, view.y, view.w, view.h].join(' ')); }
  function zoom(factor, cx, cy) {
    var r = svg.getBoundingClientRect();
    var px = cx === undefined ? 0.5 : (cx - r.left) / r.width;
    var py = cy === undefined ? 0.5 : (cy - r.top) / r.height;
    var w = Math.min(Math.max(view.w * factor, home.w / 20), home.w * 4);
    var h = view.h * (w / view.w);
    view.x += (view.w - w) * px; view.y += (view.h - h) * py; view.w = w; view.h = h;
    apply();
  }
  stage.addEventListener('wheel', function (ev) { ev.preventDefault(); zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, ev.clientX, ev.clientY); }, { passive: false });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(1 / 1.25); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(1.25); });
  document.getElementById('zoom-fit').addEventListener('click', function () { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); });
  var drag = null;
  stage.addEventListener('pointerdown', function (ev) { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y }; stage.classList.add('panning'); });
  window.addEventListener('pointerup', function () { drag = null; stage.classList.remove('panning'); });
  window.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    var s = Math.max(view.w / r.width, view.h / r.height);
    view.x = drag.vx - (ev.clientX - drag.x) * s; view.y = drag.vy - (ev.clientY - drag.y) * s; apply();
  });
  function itemOf(target) { return target && target.closest ? target.closest('.node, .edge') : null; }
  function clearHighlight() { svg.querySelectorAll('.highlight').forEach(function (el) { el.classList.remove('highlight'); }); }
  stage.addEventListener('mouseover', function (ev) {
    var item = itemOf(ev.target);
    if (!item) return;
    var d = details[item.getAttribute('data-id')];
    if (!d) return;
    tip.textContent = '';
    var b = document.createElement('b'); b.textContent = d.title; tip.appendChild(b);
    d.lines.forEach(function (line) { var div = document.createElement('div'); div.textContent = line; tip.appendChild(div); });
    tip.style.display = 'block';
    clearHighlight();
    item.classList.add('highlight');
    if (item.classList.contains('node')) {
      var id = item.getAttribute('data-id');
      svg.querySelectorAll('.edge').forEach(function (e) { if (e.getAttribute('data-source') === id || e.getAttribute('data-target') === id) e.classList.add('highlight'); });
    }
  });
  stage.addEventListener('mousemove', function (ev) {
    if (tip.style.display !== 'block') return;
    var r = stage.getBoundingClientRect();
    tip.style.left = Math.min(ev.clientX - r.left + 14, r.width - tip.offsetWidth - 4) + 'px';
    tip.style.top = (ev.clientY - r.top + 14) + 'px';
  });
  stage.addEventListener('mouseout', function (ev) { if (itemOf(ev.target) && !itemOf(ev.relatedTarget)) { tip.style.display = 'none'; clearHighlight(); } });
  var teamOf = {};
  svg.querySelectorAll('.node').forEach(function (n) { teamOf[n.getAttribute('data-id')] = n.getAttribute('data-team'); });
  document.getElementById('team-filter').addEventListener('change', function (ev) {
    var team = ev.target.value;
    var nodes = 0, edges = 0;
    svg.querySelectorAll('.node').forEach(function (n) { var on = !team || n.getAttribute('data-team') === team; n.classList.toggle('dimmed', !on); if (on) nodes++; });
    svg.querySelectorAll('.edge').forEach(function (e) {
      var on = !team || teamOf[e.getAttribute('data-source')] === team || teamOf[e.getAttribute('data-target')] === team;
      e.classList.toggle('dimmed', !on); if (on) edges++;
    });
    document.getElementById('count').textContent = nodes + ' nodes, ' + edges + ' edges' + (team ? ' in team ' + team : '');
  });
})();
</script>
</body>
</html>
`;
}
