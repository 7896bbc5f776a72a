/**
 * gRPC checks in cluster mode (`weft verify --target URL`): the overlay of the gRPC fixture
 * (test/verify/fixtures/grpc.config.ts, synthesized as `npm run synth` does) run on loopback as
 * a cluster stand-in — every workload an echo behind its Weft proxy, the probe client
 * `client-weft-probe` with client's identity, the overlay's `weft-verify` gateway. gRPC probes
 * go the cluster's way: gateway → the probe client's gRPC forward endpoint
 * (`/__weft/forward-grpc`, src/echo/forward-grpc.ts) → its sidecar → ledger. Readiness asks the
 * gRPC echo for the overlay tag. A drifted probe client (split weights swapped) fails the split.
 * What this cannot show: a real cluster, Istio's or Consul's sidecars.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import mesh from './fixtures/grpc.config';
import { checkStatuses, devNull, useOverlayFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/grpc.config.ts');
const model = mesh.toModel().model!;
const ids = {
  route: 'route:rpc/t/ledger/route:weighted:grpc',
  split: 'split:rpc/t/ledger/route:weighted:grpc',
  timeout: 'timeout:rpc/t/ledger/route:weighted:grpc',
  retries: 'retries:rpc/t/ledger/route:weighted:grpc',
  refused: 'retries:rpc/t/ledger/route:weighted:grpc:connect-failure',
};

describe('gRPC checks through the probe clients (the overlay run on loopback)', () => {
  const overlay = useOverlayFixture(model, 'weft-overlay-grpc-');

  // A 10-point detectable deviation keeps the split's n small for a test.
  const run = (only: string, seed: number) => verify({ configPath: CONFIG, distDir: overlay.dist, seed, target: overlay.url, only, deviation: 0.1, out: devNull });

  it('checks gRPC routes, splits and timeouts through the gateway; lists what it cannot observe', async () => {
    const out = await run('/:grpc$/', 7);
    const r = out.report!;
    expect(r.mode).toBe('target');
    expect(checkStatuses(r)).toEqual([ids.route, ids.split, ids.timeout].map((id) => `${id}: passed`).sort());
    expect(r.checks.find((c) => c.id === ids.route)!.assertions[0]!.observed).toMatch(/grpc 0 ledger v[12]/);
    // retry counts and refused connections need a local vantage point: listed, not dropped
    expect(r.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${ids.retries}: attempts .*\\(--target\\)$`)), expect.stringMatching(new RegExp(`^${ids.refused}: a refused connection .*\\(--target\\)$`))]));
  }, 300_000);

  it('fails a drifted cluster: the probe client splits the other way', async () => {
    await overlay.withEditedConfig(
      'verify/dev/weft/t/client-weft-probe-probe.json',
      (config) => {
        for (const d of config.routes.find((x: { name: string }) => x.name === 'ledger.t/weighted').action.destinations) d.weight = 100 - d.weight;
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
