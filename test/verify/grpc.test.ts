/**
 * gRPC checks on a local mesh (test/verify/fixtures/grpc.config.ts): calls of the echo's gRPC
 * service through the caller's proxy (CONNECT, then h2c) reach the service, gRPC retry classes
 * are counted at the echoes, refused connections are retried, the per-try timeout ends a call
 * with DEADLINE_EXCEEDED. Each check passes on the compiled dist/ and fails on a mutated one
 * (served by hot reload). Bounded: one mesh, short runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import { checkStatuses, devNull, useLocalFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/grpc.config.ts');
const CLIENT = 'dev/weft/t/client-v1.json';
const ROUTE = 'ledger.t/weighted';
const ids = {
  route: 'route:rpc/t/ledger/route:weighted:grpc',
  split: 'split:rpc/t/ledger/route:weighted:grpc',
  retries: 'retries:rpc/t/ledger/route:weighted:grpc',
  refused: 'retries:rpc/t/ledger/route:weighted:grpc:connect-failure',
  timeout: 'timeout:rpc/t/ledger/route:weighted:grpc',
};
const fixture = useLocalFixture(CONFIG, 'weft-grpc-');

const run = async (only: string, seed = 1) => {
  const out = await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only, out: devNull });
  return out.report!;
};

/** Serves a mutated copy of dist/ (the client's route to ledger) to the running mesh. */
function withMutation(apply: (route: Record<string, any>) => void, body: () => Promise<void>): Promise<void> {
  return fixture.withEditedConfig(CLIENT, (config) => apply(config.routes.find((r: { name: string }) => r.name === ROUTE)), body);
}

const failed = (report: Awaited<ReturnType<typeof run>>, id: string) =>
  report.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => a.name);

describe('gRPC checks, with calls through the mesh', () => {
  it('plans the gRPC checks and passes them on the compiled dist/', async () => {
    const report = await run('/:grpc/');
    expect(checkStatuses(report)).toEqual(Object.values(ids).map((id) => `${id}: passed`).sort());
    const retries = report.checks.find((c) => c.id === ids.retries)!;
    expect(retries.assertions.map((a) => a.name)).toEqual(['retry-on unavailable: 2 retries of gRPC status 14', 'gRPC status 8 (resource-exhausted, not declared) is not retried']);
  }, 120_000);

  it('fails when the split weights are swapped', async () => {
    await withMutation(
      (r) => r.action.destinations.forEach((d: { weight: number }) => (d.weight = 100 - d.weight)),
      async () => {
        const report = await run(`/^${ids.split}$/`, 5);
        expect(failed(report, ids.split)).toEqual(['share of version v1']);
      },
    );
  }, 120_000);

  it('fails when the retries are gone (gRPC class and refused connections)', async () => {
    await withMutation(
      (r) => delete r.retries,
      async () => {
        const report = await run(`/^(${ids.retries}|${ids.refused})$/`, 2);
        expect(failed(report, ids.retries)).toContain('retry-on unavailable: 2 retries of gRPC status 14');
        expect(failed(report, ids.refused)).toContain('retry-on connect-failure: a refused connection is retried on a live endpoint');
      },
    );
  }, 120_000);

  it('fails when the retried gRPC class is another one', async () => {
    await withMutation(
      (r) => (r.retries.retryOn = ['resource-exhausted', 'connect-failure']),
      async () => {
        const report = await run(`/^${ids.retries}$/`, 3);
        expect(failed(report, ids.retries)).toEqual(['retry-on unavailable: 2 retries of gRPC status 14', 'gRPC status 8 (resource-exhausted, not declared) is not retried']);
      },
    );
  }, 120_000);

  it('fails when the per-try timeout is longer than declared', async () => {
    await withMutation(
      (r) => (r.retries.perTryTimeoutMs = 1400),
      async () => {
        const report = await run(`/^${ids.timeout}$/`, 4);
        expect(failed(report, ids.timeout)).toEqual(['DEADLINE_EXCEEDED after 600 ms']);
      },
    );
  }, 120_000);
});

describe('gRPC and refused-connection checks in cluster mode', () => {
  it('keeps what the probe clients\' gRPC forward endpoint shows; lists retry counts and refused connections with the reason', async () => {
    const { loadPlan } = await import('../../src/verify/verify');
    const { planForTarget } = await import('../../src/verify/plan/target');
    const { plan } = await loadPlan({ configPath: CONFIG, env: 'dev' }, false);
    const target = planForTarget(plan!, new Set(['t/client → t/ledger']), 'istio');
    // routes, splits and timeouts go through the gRPC forward endpoint (test/verify/target-grpc.test.ts runs them)
    expect(target.checks.filter((c) => Object.values(ids).includes(c.id)).map((c) => c.id).sort()).toEqual([ids.route, ids.split, ids.timeout].sort());
    const reasons = target.notVerified.filter((n) => n.reason.endsWith('(--target)')).map((n) => n.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^retries:rpc\/t\/ledger\/route:weighted:grpc: attempts of a failing call/),
        expect.stringMatching(/^retries:rpc\/t\/ledger\/route:weighted:grpc:connect-failure: .*closed endpoint/),
      ]),
    );
  });
});
