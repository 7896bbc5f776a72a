/**
 * TCP checks in cluster mode (`weft verify --target URL`): the overlay of the TCP fixture
 * (test/verify/fixtures/tcp.config.ts) run on loopback as a cluster stand-in, the probe client
 * `client-weft-probe` with client's identity behind the overlay's `weft-verify` gateway.
 * Connections go the cluster's way: gateway → the probe client's TCP forward endpoint
 * (`/__weft/forward-tcp`, src/echo/forward-tcp.ts) → the local bind port of its sidecar's TCP
 * listener (`WEFT_UPSTREAM_STORE_5432`, as the weft target announces it) → store. Readiness reads
 * the overlay tag from the echo's TCP identity line. A drifted probe client (split weights
 * swapped) fails the split. What this cannot show: a real cluster, Istio's or Consul's capture.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import mesh from './fixtures/tcp.config';
import { checkStatuses, devNull, useOverlayFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/tcp.config.ts');
const model = mesh.toModel().model!;
const ids = {
  route: 'route:tcpx/t/store/route:weighted:tcp',
  split: 'split:tcpx/t/store/route:weighted:tcp',
  limit: 'circuit-breaker:tcpx/t/store:tcp-connections',
};

describe('TCP checks through the probe clients (the overlay run on loopback)', () => {
  const overlay = useOverlayFixture(model, 'weft-overlay-tcp-');

  // A 10-point detectable deviation keeps the split's n small for a test.
  const run = (only: string, seed: number) => verify({ configPath: CONFIG, distDir: overlay.dist, seed, target: overlay.url, only, deviation: 0.1, out: devNull });

  it('checks TCP routes and splits through the gateway; lists the connection limit as not verified', async () => {
    const out = await run('/:tcp(-connections)?$/', 7);
    const r = out.report!;
    expect(r.mode).toBe('target');
    expect(checkStatuses(r)).toEqual([ids.route, ids.split].map((id) => `${id}: passed`).sort());
    expect(r.checks.find((c) => c.id === ids.route)!.assertions[0]!.observed).toMatch(/tcp store v[12]/);
    expect(r.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${ids.limit}: the limit is held .*\\(--target\\)$`))]));
  }, 300_000);

  it('fails a drifted cluster: the probe client splits the other way', async () => {
    await overlay.withEditedConfig(
      'verify/dev/weft/t/client-weft-probe-probe.json',
      (config) => {
        for (const l of config.tcpListeners) for (const d of l.destinations) d.weight = 100 - d.weight;
      },
      async () => {
        const out = await run(`/^${ids.split}$/`, 8);
        const check = out.report!.checks.find((c) => c.id === ids.split)!;
        expect(check.assertions.filter((a) => a.status === 'failed').map((a) => a.name)).toEqual(['share of version v1']);
        expect(out.exitCode).toBe(1);
      },
    );
  }, 300_000);
});
