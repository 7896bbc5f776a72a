import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { command as verifyCommand } from '../../src/cli/commands/verify';

/**
 * The workflows users copy must be valid GitHub Actions workflows. @action-validator/core checks
 * a workflow against the published workflow JSON schema (SchemaStore's github-workflow.json,
 * compiled into its WebAssembly build, so nothing is downloaded).
 * @see https://github.com/mpalmer/action-validator
 */
const require = createRequire(import.meta.url);
const { validateWorkflow } = require('@action-validator/core') as typeof import('@action-validator/core');

const WORKFLOWS = join(dirname(fileURLToPath(import.meta.url)), '../../.github/workflows');
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (f: string) => readFileSync(join(WORKFLOWS, f), 'utf8');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
const steps = (f: string, job: string): Step[] => parse(read(f)).jobs[job].steps;
const runs = (f: string, job: string) => steps(f, job).map((s) => s.run ?? '').join('\n');

describe('GitHub Actions workflows', () => {
  it('finds ci.yml and verify-cluster.yml', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'verify-cluster.yml']));
  });

  it('rejects a workflow that breaks the schema (the check can fail)', () => {
    const broken = validateWorkflow('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        timeout-minutes: soon\n    bogus: 1\n');
    expect(broken.errors.length).toBeGreaterThan(0);
  });

  for (const f of files)
    it(`${f} passes the workflow schema`, () => {
      expect(validateWorkflow(read(f)).errors).toEqual([]);
    });

  it('ci.yml: npm ci, tests, the synth --check gate, verify with its JUnit report uploaded, the diff in the job summary on pull requests, on Node 20, 22 and 24', () => {
    const ci = parse(read('ci.yml'));
    expect(ci.jobs.test.strategy.matrix.node).toEqual([20, 22, 24]);
    const text = runs('ci.yml', 'test');
    for (const command of ['npm ci', 'npm test', 'npm run synth -- --check', 'npm run verify -- --report junit.xml']) expect(text).toContain(command);
    const upload = steps('ci.yml', 'test').find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.path).toBe('junit.xml');
    expect(upload?.if).toBe('always()');
    const diff = steps('ci.yml', 'test').find((s) => s.run?.includes('weft.mjs diff'));
    expect(diff?.if).toContain("github.event_name == 'pull_request'");
    expect(diff?.run).toContain('--markdown >> "$GITHUB_STEP_SUMMARY"');
    // The base commit must be in the clone for `weft diff --base`.
    expect(steps('ci.yml', 'test').find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0);
  });

  it('verify-cluster.yml: kind, Istio, dist/verify/<env> applied, the gateway port-forwarded, weft verify --target', () => {
    const text = runs('verify-cluster.yml', 'verify');
    expect(steps('verify-cluster.yml', 'verify').some((s) => s.uses?.startsWith('helm/kind-action@'))).toBe(true);
    expect(text).toContain('istioctl" install');
    expect(text).toContain('dist/verify/$ENVIRONMENT');
    expect(text).toContain('port-forward service/istio-ingressgateway');
    expect(text).toContain('weft.mjs verify --env "$ENVIRONMENT" --target http://127.0.0.1:18080');
  });

  it('verify-cluster.yml: the `weft verify` line passes only flags the verify command takes, and not --local', () => {
    const line = runs('verify-cluster.yml', 'verify').split('\n').find((l) => /weft(\.mjs)? verify /.test(l) || l.includes('npm run verify'))!;
    // `npm run verify` is `weft verify --local`, which --target excludes.
    expect(line).not.toContain('npm run verify');
    const flags = [...line.matchAll(/(?<=\s)--[a-z-]+/g)].map((m) => m[0]);
    expect(flags).toContain('--target');
    const usage = verifyCommand.usage;
    for (const flag of flags) expect(usage, flag).toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
  });
});
