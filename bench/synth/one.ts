/**
 * One measured run in a fresh process (so that JIT state and module caches never carry over
 * from one run to the next). Prints one JSON line on stdout.
 *
 *   node --import tsx bench/synth/one.ts --kind weft|plain --services N
 */
import { parseArgs } from 'node:util';
import { weftCompile } from './compile';
import { plainSynth } from './plain';

const { values } = parseArgs({ options: { kind: { type: 'string' }, services: { type: 'string' } } });
const services = Number(values.services);
if (!Number.isInteger(services) || services <= 0 || (values.kind !== 'weft' && values.kind !== 'plain')) {
  console.error('usage: one.ts --kind weft|plain --services N');
  process.exit(2);
}
// Modules are loaded by now; the measured time is the compile itself.
const start = performance.now();
if (values.kind === 'weft') {
  // Stage times go to stderr as they finish, so that a run stopped by the time limit still
  // shows where the time went.
  const r = weftCompile(services, (stage, ms) => console.error(JSON.stringify({ stage, ms })));
  const ms = performance.now() - start;
  const warnings = r.diagnostics.filter((d) => d.severity !== 'error').length;
  console.log(JSON.stringify({ kind: 'weft', services, ms, stages: r.stages, objects: r.objects, bytes: r.bytes, warnings, rssMb: process.memoryUsage().rss / 2 ** 20 }));
} else {
  const r = plainSynth(services);
  const ms = performance.now() - start;
  console.log(JSON.stringify({ kind: 'plain', services, ms, objects: r.objects, bytes: r.yaml.length, rssMb: process.memoryUsage().rss / 2 ** 20 }));
}
