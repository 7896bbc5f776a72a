/**
 * Random and least-request load balancing, checked with traffic on a local mesh
 * (test/verify/fixtures/balancer.config.ts): both checks pass on the compiled dist/, and each
 * fails when the compiled config balances with round robin instead (served by hot reload).
 * Bounded: one mesh, short runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import { devNull, useLocalFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/balancer.config.ts');
const CLIENT = 'dev/weft/t/client-v1.json';
const LR = 'load-balancer:lb/t/lr';
const RANDOM = 'load-balancer:lb/t/rnd';
const fixture = useLocalFixture(CONFIG, 'weft-lb-');

const run = async (only: string, seed: number) => (await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only, out: devNull })).report!;
const failed = (report: Awaited<ReturnType<typeof run>>, id: string) =>
  report.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => a.name);

/** Serves dist/ with `service`'s balancer in the client's config replaced. */
function withBalancer(service: string, loadBalancer: Record<string, unknown>, body: () => Promise<void>): Promise<void> {
  return fixture.withEditedConfig(CLIENT, (config) => (config.services.find((s: { name: string }) => s.name === service).loadBalancer = loadBalancer), body);
}

describe('statistical load balancers, checked with traffic', () => {
  it('passes random and least request on the compiled dist/', async () => {
    const report = await run(`/^(${LR}|${RANDOM})$/`, 1);
    expect(report.checks.map((c) => `${c.id}: ${c.status} ${c.assertions.map((a) => a.observed).join(' | ')}`).sort()).toEqual([
      expect.stringMatching(/^load-balancer:lb\/t\/lr: passed \d+ of \d+ \(p /),
      expect.stringMatching(/^load-balancer:lb\/t\/rnd: passed .* \| \d+ repeat\(s\) in 120 picks$/),
    ]);
  }, 120_000);

  it('fails least request when the balancer is round robin', async () => {
    await withBalancer('lr', { type: 'round-robin' }, async () => {
      expect(failed(await run(`/^${LR}$/`, 2), LR)).toEqual(['least request: the busy instance gets less than 1/2']);
    });
  }, 120_000);

  it('fails random when the balancer is round robin', async () => {
    await withBalancer('rnd', { type: 'round-robin' }, async () => {
      expect(failed(await run(`/^${RANDOM}$/`, 3), RANDOM)).toEqual(['random: no fixed rotation']);
    });
  }, 120_000);
});
