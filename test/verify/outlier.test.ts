/**
 * Outlier ejection and recovery on a local mesh (test/verify/fixtures/outlier.config.ts): the
 * check passes on the compiled dist/, and fails when the compiled config ejects later than
 * declared, or never (outlier detection removed) — served to the running mesh by hot reload.
 * Bounded: one mesh, three short runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import { devNull, useLocalFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/outlier.config.ts');
const CHECK = 'circuit-breaker:ol/t/pool:outlier';
const CLIENT = 'dev/weft/t/client-v1.json';
const fixture = useLocalFixture(CONFIG, 'weft-outlier-');

const run = async (seed: number) => {
  const out = await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only: CHECK, out: devNull });
  return out.report!.checks.find((c) => c.id === CHECK)!;
};

/** Serves a mutated copy of dist/ (the client's outlier settings) to the running mesh. */
async function withMutation(apply: (outlier: Record<string, number>) => void, body: () => Promise<void>): Promise<void> {
  try {
    await fixture.withEditedConfig(CLIENT, (config) => apply(config.services.find((s: { name: string }) => s.name === 'pool').outlierDetection), body);
  } finally {
    // let any ejection the mutation left behind expire (2 s × at most a few ejections)
    await new Promise((r) => setTimeout(r, 7000));
  }
}

describe('outlier detection, checked with traffic', () => {
  it('ejects the failing instance at the declared count and takes it back after the ejection time', async () => {
    const check = await run(1);
    expect(check.assertions.map((a) => `${a.name}: ${a.status} (${a.observed})`)).toEqual([
      expect.stringMatching(/^ejected after 3 consecutive failures: passed \(3 failure\(s\) at pool-v1-\d, then 0 of the next 30/),
      expect.stringMatching(/^serves again after 2000 ms: passed/),
    ]);
  }, 120_000);

  it('fails when the proxy ejects later than declared', async () => {
    await withMutation(
      (o) => (o.consecutive5xxErrors = 6),
      async () => {
        const check = await run(2);
        expect(check.status).toBe('failed');
        expect(check.assertions[0]!.observed).toMatch(/^3 failure\(s\) at pool-v1-\d, then [1-9]\d* of the next 30 probes reached it: not ejected/);
      },
    );
  }, 120_000);

  it('fails when outlier detection is gone', async () => {
    await withMutation(
      (o) => ((o.consecutive5xxErrors = 0), (o.consecutiveGatewayErrors = 0)),
      async () => {
        const check = await run(3);
        expect(check.status).toBe('failed');
        expect(check.assertions[0]!.observed).toMatch(/not ejected/);
      },
    );
  }, 120_000);
});
