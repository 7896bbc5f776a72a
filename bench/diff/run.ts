/**
 * The `weft diff` traffic view at scale: the routing and authorization comparison of two models
 * of the generated mesh (bench/synth/mesh.ts), the "after" one with one route's weights changed,
 * next to the compile of the same mesh (model → analyze → emit → schema check → YAML) as the
 * anchor measured in the same process and run. Each size runs `--runs` times; medians are
 * printed as Markdown (docs/performance.md, section "weft diff").
 *
 *   node --import tsx bench/diff/run.ts [--sizes 100,1000,3000] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { authorizationChanges, routingChanges } from '../../src/diff/traffic/compare';
import type { MeshModel } from '../../src/model/mesh';
import { modelForEnvironment } from '../../src/model/query';
import { compileModel } from '../../src/synth/compile';
import { generateMesh } from '../synth/mesh';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,1000,3000' }, runs: { type: 'string', default: '3' } } });
const SIZES = values.sizes!.split(',').map(Number);
const RUNS = Number(values.runs);

/** The same model with the weights of service 0's `api` route moved from 90/10 to 80/20. */
function changed(model: MeshModel): MeshModel {
  const copy = structuredClone(model) as MeshModel;
  const route = copy.services[0]!.routes.find((r) => r.name === 'api')!;
  if (route.action.kind === 'forward') route.action.destinations.forEach((d, i) => (d.weight = i === 0 ? 80 : 20));
  return copy;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
for (const services of SIZES) {
  const model = generateMesh(services).toModel().model!;
  const before = modelForEnvironment(model, model.environments[0]!);
  const after = changed(before);
  const diffMs: number[] = [];
  const compileMs: number[] = [];
  let lines = 0;
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    lines = routingChanges(before, after).length + authorizationChanges(before, after).length;
    diffMs.push(performance.now() - t);
    t = performance.now();
    compileModel(model, { targets: undefined });
    compileMs.push(performance.now() - t);
  }
  const d = median(diffMs);
  const c = median(compileMs);
  rows.push(`| ${services} | ${lines} | ${d.toFixed(0)} ms | ${c.toFixed(0)} ms | ${(d / c).toFixed(2)} | ${loadavg()[0]!.toFixed(1)} |`);
  process.stderr.write(`${services} services: diff ${d.toFixed(0)} ms, compile ${c.toFixed(0)} ms\n`);
}
process.stdout.write(['| services | lines printed | traffic diff (median) | compile, same mesh (median) | diff / compile | load (1 min) |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n');
