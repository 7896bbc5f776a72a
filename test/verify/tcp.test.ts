/**
 * TCP checks on a local mesh (test/verify/fixtures/tcp.config.ts): raw connections through the
 * caller's outbound TCP listener reach the route's versions (the echo's TCP mode names itself
 * on every connection and echoes bytes), the split's shares pass the binomial test, and
 * connections past the declared limit are closed. Each
 * check fails on a mutated dist/ (served by hot reload). Bounded: one mesh, short runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import { checkStatuses, devNull, useLocalFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/tcp.config.ts');
const CLIENT = 'dev/weft/t/client-v1.json';
const ROUTE = 'route:tcpx/t/store/route:weighted:tcp';
const SPLIT = 'split:tcpx/t/store/route:weighted:tcp';
const LIMIT = 'circuit-breaker:tcpx/t/store:tcp-connections';
const fixture = useLocalFixture(CONFIG, 'weft-tcp-');

// A 10-point detectable deviation (instead of 5) keeps the split's n — a TCP and mTLS handshake each — small for a test.
const run = async (only: string, seed: number) => (await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only, deviation: 0.1, out: devNull })).report!;
const failed = (report: Awaited<ReturnType<typeof run>>, id: string) =>
  report.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => a.name);

/** Serves dist/ with the client's TCP listeners changed. */
function withListeners(apply: (listeners: Record<string, any>[]) => Record<string, any>[], body: () => Promise<void>): Promise<void> {
  return fixture.withEditedConfig(CLIENT, (config) => (config.tcpListeners = apply(config.tcpListeners)), body);
}

describe('TCP routes, checked with connections', () => {
  it('reach the route\'s versions with bytes both ways, and split as declared', async () => {
    const report = await run(`/^(${ROUTE}|${SPLIT}|${LIMIT})$/`, 1);
    expect(checkStatuses(report)).toEqual([`${LIMIT}: passed`, `${ROUTE}: passed`, `${SPLIT}: passed`]);
    expect(report.checks.find((c) => c.id === SPLIT)!.assertions.map((a) => a.name)).toEqual(['every connection answered as declared', 'share of version v1']);
  }, 120_000);

  it('fails the connection limit when the listener admits more than declared', async () => {
    await withListeners(
      (ls) => ls.map((l) => ({ ...l, maxConnections: 50 })),
      async () => {
        expect(failed(await run(`/^${LIMIT}$/`, 4), LIMIT)).toEqual(['connections past 10 are closed']);
      },
    );
  }, 120_000);

  it('fails the split when the weights are swapped', async () => {
    await withListeners(
      (ls) => ls.map((l) => ({ ...l, destinations: l.destinations.map((d: { weight: number }) => ({ ...d, weight: 100 - d.weight })) })),
      async () => {
        expect(failed(await run(`/^${SPLIT}$/`, 2), SPLIT)).toEqual(['share of version v1']);
      },
    );
  }, 120_000);

  it('fails the split, not the routing, when every connection goes to one declared version', async () => {
    await withListeners(
      (ls) => ls.map((l) => ({ ...l, destinations: l.destinations.map((d: { subset?: string; weight: number }) => ({ ...d, weight: d.subset === 'v2' ? 100 : 0 })) })),
      async () => {
        const report = await run(`/^(${ROUTE}|${SPLIT})$/`, 3);
        expect(failed(report, SPLIT)).toEqual(['share of version v1']);
        expect(failed(report, ROUTE)).toEqual([]);
      },
    );
  }, 120_000);
});
