/**
 * Random and least-request load balancing, checked with traffic on a local mesh
 * (test/verify/fixtures/balancer.config.ts): both checks pass on the compiled dist/, and each
 * fails when the compiled config balances with round robin instead (served by hot reload).
 * Bounded: one mesh, short runs.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMesh } from '../../src/local/mesh';
import { compileModel } from '../../src/synth/compile';
import { loadMeshConfig } from '../../src/synth/load';
import { verify } from '../../src/verify/verify';

const CONFIG = join(__dirname, 'fixtures/balancer.config.ts');
const CLIENT = 'dev/weft/t/client-v1.json';
const LR = 'load-balancer:lb/t/lr';
const RANDOM = 'load-balancer:lb/t/rnd';
let dist: string;
let mesh: LocalMesh;

beforeAll(async () => {
  const loaded = await loadMeshConfig(CONFIG);
  const compiled = compileModel(loaded.mesh!.toModel().model!, { environments: ['dev'], verificationOverlay: false });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  dist = mkdtempSync(join(tmpdir(), 'weft-lb-'));
  for (const [path, content] of compiled.files) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), content);
  }
  mesh = await LocalMesh.start({ distDir: dist, env: 'dev' });
}, 180_000);

afterAll(async () => {
  await mesh?.stop();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

const devNull = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
const run = async (only: string, seed: number) => (await verify({ configPath: CONFIG, distDir: dist, mesh, seed, only, out: devNull })).report!;
const failed = (report: Awaited<ReturnType<typeof run>>, id: string) =>
  report.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => a.name);

/** Serves dist/ with `service`'s balancer in the client's config replaced. */
async function withBalancer(service: string, loadBalancer: Record<string, unknown>, body: () => Promise<void>): Promise<void> {
  const mutated = mkdtempSync(join(tmpdir(), 'weft-lb-mut-'));
  cpSync(dist, mutated, { recursive: true });
  const file = join(mutated, CLIENT);
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.services.find((s: { name: string }) => s.name === service).loadBalancer = loadBalancer;
  writeFileSync(file, JSON.stringify(config, null, 2));
  await mesh.reload(mutated);
  try {
    await body();
  } finally {
    await mesh.reload(dist);
    rmSync(mutated, { recursive: true, force: true });
  }
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
