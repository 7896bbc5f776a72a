/**
 * Per-rule analyzer timings on the generated mesh, to find the rules that do not scale.
 *
 *   node --import tsx bench/synth/rules.ts --services 1000 [--only call-cycles,route-order]
 */
import { parseArgs } from 'node:util';
import { analyze } from '../../src/analyze/index';
import { RULES } from '../../src/analyze/rules/index';
import { generateMesh } from './mesh';

const { values } = parseArgs({ options: { services: { type: 'string', default: '1000' }, only: { type: 'string' } } });
const only = values.only?.split(',');
const built = generateMesh(Number(values.services)).toModel();
if (!built.model) throw new Error('bench mesh is invalid');
const model = built.model;
const rows: Array<[string, number, number]> = [];
let total = 0;
for (const rule of RULES) {
  if (only && !only.includes(rule.id)) continue;
  const start = performance.now();
  const found = analyze(model, [rule]).length;
  const ms = performance.now() - start;
  total += ms;
  rows.push([rule.id, ms, found]);
}
const start = performance.now();
const all = analyze(model).length;
const together = performance.now() - start;
rows.sort((a, b) => b[1] - a[1]);
for (const [id, ms, found] of rows) console.log(`${id.padEnd(26)} ${ms.toFixed(1).padStart(9)} ms  ${found} diagnostics`);
console.log(`${'sum of rules alone'.padEnd(26)} ${total.toFixed(1).padStart(9)} ms`);
console.log(`${'analyze() all rules'.padEnd(26)} ${together.toFixed(1).padStart(9)} ms  ${all} diagnostics`);
