/**
 * False-failure rate of the verifier's statistical checks on a correct mesh: the fixture mesh
 * (test/verify/fixtures) runs once on loopback; its split, fault and mirror checks are run
 * `--runs N` times with different seeds (the proxy's own draws differ every run). A run fails
 * when any proportion test fails; the family-wise α of one run is 0.001, so a correct mesh
 * should fail about N × 0.001 runs. Bounded: N ≤ 100, default 10; prints the rate next to α.
 * Ctrl-C (or SIGTERM) stops the mesh and prints the rate over the runs done so far.
 *
 *   npm run bench -- verify --runs 10
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LocalMesh } from '../../src/local/mesh';
import { verify } from '../../src/verify/verify';
import { fixtureDist } from '../../test/verify/fixtures/dist';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Math.min(100, Math.max(1, Number(values.runs)));
const dist = fixtureDist();
const mesh = await LocalMesh.start({ distDir: dist, env: 'dev' });
const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
let failedRuns = 0;
let tests = 0;
let probes = 0;
const started = performance.now();
let done = 0;
const summary = (): string =>
  `\n${failedRuns}/${done} runs failed (false-failure rate ${(failedRuns / Math.max(1, done)).toFixed(3)}; planned family-wise α per run = 0.001), ${tests} proportion tests, ${probes} probes in ${((performance.now() - started) / 1000).toFixed(0)} s${done < runs ? ` (stopped after ${done} of ${runs} runs)` : ''}\n`;
// Ctrl-C / SIGTERM: stop the mesh (its processes are in their own groups) and report the runs so far.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void mesh.stop().then(() => {
      rmSync(dist, { recursive: true, force: true });
      process.stdout.write(summary());
      process.exit(130);
    });
  });
}
try {
  for (let seed = 1; seed <= runs; seed++) {
    const t = performance.now();
    const out = await verify({ configPath: 'test/verify/fixtures/mesh.config.ts', distDir: dist, mesh, seed, only: '/^(split|fault|mirror):/', out: sink });
    const r = out.report!;
    const failed = r.checks.flatMap((c) => c.assertions.filter((a) => a.status === 'failed').map((a) => `${c.id} › ${a.name}: ${a.observed}`));
    tests += r.checks.reduce((n, c) => n + c.assertions.filter((a) => a.evidence.proportion).length, 0);
    probes += r.summary.probes;
    if (failed.length) failedRuns++;
    done++;
    process.stdout.write(`run ${seed}: ${failed.length ? `FAILED ${failed.join('; ')}` : 'passed'} (${r.summary.probes} probes, ${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }
} finally {
  await mesh.stop();
  rmSync(dist, { recursive: true, force: true });
}
process.stdout.write(summary());
