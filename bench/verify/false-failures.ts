/**
 * False failures of the example's statistical checks: the example's compiled dist/ (env dev)
 * runs once as a local mesh, left unseeded (every proxy draws from Math.random, so splits,
 * faults, mirrors and random picks differ from run to run), and its split, fault, mirror and
 * random / least-request load-balancer checks are run N times with seeds 1…N (request ids and
 * probe order differ too). A correct mesh fails a check only by chance; the report puts each
 * check's failures / N next to the α it was planned with, and the runs with any failure next to
 * the family-wise α:
 * - proportion tests (splits, fault abort and delay shares, mirror shares) are one Holm family
 *   at α = 0.001 per run; a check's planned share is its tests × α / m (Bonferroni's bound, which
 *   Holm's first step uses);
 * - a random balancer's per-instance tests are their own family at 0.001 (Bonferroni over the
 *   instances; its "no fixed rotation" assertion fails a random balancer with probability
 *   ((n−1)/n)^(N−1), 2⁻¹¹⁹ here), and least request's one-sided test is at 0.001;
 * so one run of a correct mesh fails with probability ≤ 0.001 + 0.001 per balancer check.
 * Bounded: --runs (≤ 1000) and --minutes (stops after the run that crosses it); Ctrl-C stops the
 * mesh and prints what was measured so far. Inconclusive checks are counted apart, never as
 * passes. With --json F the per-run results are written as well.
 *
 *   node --import tsx bench/verify/false-failures.ts --runs 100 --minutes 90
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LocalMesh } from '../../src/local/mesh';
import type { CheckResult } from '../../src/verify/report';
import { clopperPearson } from '../../src/verify/stats/binomial';
import { verify } from '../../src/verify/verify';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '90' },
    config: { type: 'string', default: 'mesh.config.ts' },
    dist: { type: 'string', default: 'dist' },
    env: { type: 'string', default: 'dev' },
    only: { type: 'string', default: '/^(split|fault|mirror|load-balancer):/' },
    json: { type: 'string' },
  },
});
const runs = Math.min(1000, Math.max(1, Number(values.runs)));
const deadline = performance.now() + Math.max(1, Number(values.minutes)) * 60_000;
const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;

/** Balancer checks with statistical assertions (random, least request) and their own α (src/verify/drive/checks/balancer.ts). */
const BALANCER_ALPHA = 0.001;

interface CheckTally {
  id: string;
  plannedAlpha: number;
  failed: number;
  inconclusive: number;
  runs: number;
}

const tallies = new Map<string, CheckTally>();
const perRun: { seed: number; failed: string[]; inconclusive: string[]; probes: number; seconds: number }[] = [];
let familyAlpha = 0.001;
let holmTests = 0;
const started = performance.now();

function plannedAlpha(check: CheckResult, m: number, alpha: number): number {
  const proportions = check.assertions.filter((a) => a.evidence.proportion).length;
  if (proportions > 0) return (proportions * alpha) / m;
  return check.kind === 'load-balancer' ? BALANCER_ALPHA : 0;
}

function tally(checks: CheckResult[], m: number, alpha: number): void {
  for (const c of checks) {
    let t = tallies.get(c.id);
    if (!t) tallies.set(c.id, (t = { id: c.id, plannedAlpha: plannedAlpha(c, m, alpha), failed: 0, inconclusive: 0, runs: 0 }));
    t.runs++;
    if (c.status === 'failed') t.failed++;
    else if (c.assertions.some((a) => a.status === 'skipped')) t.inconclusive++;
  }
}

function pct(x: number): string {
  return x === 0 ? '0' : x < 0.0001 ? x.toExponential(1) : x.toPrecision(2);
}

function summary(): string {
  const done = perRun.length;
  const failedRuns = perRun.filter((r) => r.failed.length > 0).length;
  const balancers = [...tallies.values()].filter((t) => t.id.startsWith('load-balancer:') && t.plannedAlpha > 0).length;
  const runAlpha = familyAlpha + balancers * BALANCER_ALPHA;
  const [, upper] = done > 0 ? clopperPearson(failedRuns, done, 0.9) : [0, 1];
  const rows = [...tallies.values()].map((t) => `| ${t.id} | ${t.failed}/${t.runs} | ${pct(t.failed / Math.max(1, t.runs))} | ${pct(t.plannedAlpha)} | ${t.inconclusive} |`);
  return [
    '',
    `| check | failed / runs | measured rate | planned α | inconclusive |`,
    `|---|---|---|---|---|`,
    ...rows,
    '',
    `${failedRuns}/${done} runs had a failure: measured false-failure rate ${pct(failedRuns / Math.max(1, done))} (one-sided 95 % upper bound ${pct(upper)}); planned family-wise α per run ≤ ${pct(runAlpha)} (Holm family ${familyAlpha} over ${holmTests} proportion tests + ${balancers} balancer check(s) at ${BALANCER_ALPHA})`,
    `${perRun.reduce((n, r) => n + r.probes, 0)} probes in ${((performance.now() - started) / 1000).toFixed(0)} s${done < runs ? ` (stopped after ${done} of ${runs} runs)` : ''}`,
    '',
  ].join('\n');
}

const mesh = await LocalMesh.start({ distDir: values.dist!, env: values.env! });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    void mesh.stop().then(() => {
      process.stdout.write(summary());
      process.exit(130);
    });
  });
}
try {
  for (let seed = 1; seed <= runs && !stopping; seed++) {
    const t = performance.now();
    const out = await verify({ configPath: values.config!, env: values.env, distDir: values.dist!, mesh, seed, only: values.only, out: sink });
    const r = out.report!;
    familyAlpha = r.statistics.familyAlpha;
    holmTests = r.statistics.statisticalChecks;
    tally(r.checks, Math.max(1, holmTests), familyAlpha);
    const failed = r.checks.flatMap((c) => c.assertions.filter((a) => a.status === 'failed').map((a) => `${c.id} › ${a.name}: ${a.observed}`));
    const inconclusive = r.checks.filter((c) => c.assertions.some((a) => a.status === 'skipped')).map((c) => c.id);
    const seconds = (performance.now() - t) / 1000;
    perRun.push({ seed, failed, inconclusive, probes: r.summary.probes, seconds });
    process.stdout.write(`run ${seed}: ${failed.length ? `FAILED ${failed.join('; ')}` : 'passed'}${inconclusive.length ? ` (inconclusive: ${inconclusive.join(', ')})` : ''} (${r.summary.probes} probes, ${seconds.toFixed(1)} s)\n`);
    if (performance.now() > deadline) break;
  }
} finally {
  if (!stopping) await mesh.stop();
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ checks: [...tallies.values()], runs: perRun, familyAlpha, holmTests }, null, 2)}\n`);
process.stdout.write(summary());
