/**
 * Where the compile's memory is: the live heap (after a full GC) at each stage boundary of one
 * compile of a generated mesh, in this process, with every file handed to a sink that drops it
 * (as `weft synth` stages and releases each file).
 *
 *   node --expose-gc --import tsx bench/synth/memory.ts [--services 2000] [--every 4000]
 *        [--release-tree] [--snapshot DIR --snapshot-at FILES]
 *
 * Stages: the construct tree (generateMesh), the model (Mesh.toModel), the model alone
 * (`--release-tree`: the tree let go, as the compile child does), then every `--every` files of
 * the compile, labelled with the environment/target being emitted, and the end. With
 * `--snapshot DIR`, a heap snapshot is written at the first sample after `--snapshot-at` files
 * (read it with Chrome DevTools' Memory tab, `bench/synth/heap-summary.ts` for what retains the
 * most, `bench/synth/heap-path.ts` for why one object is alive).
 * A full GC per sample makes this slow; it measures memory, never time.
 */
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileModel } from '../../src/synth/compile';
import { generateMesh } from './mesh';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '2000' },
    every: { type: 'string', default: '4000' },
    snapshot: { type: 'string' },
    'snapshot-at': { type: 'string' },
    'release-tree': { type: 'boolean', default: false },
  },
});
const SERVICES = Number(values.services);
const EVERY = Number(values.every);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
function live(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const rows: [string, number, number][] = [];
const sample = (stage: string) => {
  const heap = live();
  rows.push([stage, mb(heap), mb(process.memoryUsage().rss)]);
  process.stderr.write(`${stage}: live ${mb(heap)} MB, rss ${mb(process.memoryUsage().rss)} MB\n`);
  return heap;
};

sample('start');
let mesh: ReturnType<typeof generateMesh> | undefined = generateMesh(SERVICES);
sample(`construct tree of ${SERVICES} services`);
const built = mesh.toModel();
sample('construct tree + model');
if (values['release-tree']) {
  mesh = undefined;
  sample('model (construct tree released)');
}

let files = 0;
let bytes = 0;
let peak = 0;
let snapped = false;
const snapshotAt = Number(values['snapshot-at'] ?? 0);
const compiled = compileModel(built.model!, {
  onFile(path, content) {
    files++;
    bytes += content.length;
    if (files % EVERY !== 0) return;
    const where = path.split('/').slice(0, path.startsWith('verify/') ? 3 : 2).join('/');
    peak = Math.max(peak, sample(`compile: ${files} files, emitting ${where}`));
    if (values.snapshot && !snapped && files >= snapshotAt) {
      snapped = true;
      process.stderr.write(`snapshot: ${writeHeapSnapshot(join(values.snapshot, `compile-${SERVICES}-${files}.heapsnapshot`))}\n`);
    }
  },
});
mesh = undefined;
sample('after the compile');
const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) throw new Error(`the generated mesh has errors: ${JSON.stringify(errors.slice(0, 3))}`);

console.log(`| stage (${SERVICES} services, ${files} files, ${mb(bytes)} MB) | live heap MB | RSS MB |`);
console.log('|---|---|---|');
for (const [stage, heap, rss] of rows) console.log(`| ${stage} | ${heap} | ${rss} |`);
console.log(`\nlargest live heap during the compile: ${mb(peak)} MB`);
