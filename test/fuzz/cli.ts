/**
 * `npm run fuzz -- --count 10000 [--from N] [--seed S]`: runs the bad-config fuzzer and prints
 * the count of each outcome class, with examples of every failing class. Exit 1 when any
 * variant crashed, was accepted, lost its location or changed dist/.
 */
import { parseArgs } from 'node:util';
import { DISTINCT_VARIANTS, OUTCOMES, runFuzz } from './run';

const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, from: { type: 'string', default: '0' }, seed: { type: 'string', default: '1' } } });
const count = Number(values.count);
const started = Date.now();
const report = await runFuzz({
  count,
  from: Number(values.from),
  seed: Number(values.seed),
  onProgress: (done) => {
    if (done % 500 === 0) process.stderr.write(`  ${done}/${count} variants\n`);
  },
});
console.log(`fuzz: ${count} variants (${DISTINCT_VARIANTS} distinct single mutations, then random combinations; seed ${values.seed}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
for (const outcome of OUTCOMES) console.log(`  ${outcome.padEnd(28)} ${report.counts[outcome]}`);
for (const e of report.examples) console.log(`  ${e.outcome}: ${e.variant}\n      ${e.detail}`);
process.exitCode = OUTCOMES.some((o) => o !== 'rejected' && report.counts[o] > 0) ? 1 : 0;
