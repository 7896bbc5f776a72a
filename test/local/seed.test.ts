/**
 * `weft verify --seed N` seeds the proxies' own random draws (WEFT_PROXY_SEED per instance,
 * src/proxy/seeded-random.ts): the same probes in the same order meet the same fault rolls and
 * the same picks. Shown on the fixture mesh's local mesh, started three times: a fault route
 * (20 % aborts) probed sequentially gives the same sequence under the same seed and another one
 * under another seed. Bounded: three starts, 40 probes each.
 */
import { rmSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalMesh } from '../../src/local/mesh';
import { seededRandom } from '../../src/proxy/seeded-random';
import { fixtureDist } from '../verify/fixtures/dist';

const dist = fixtureDist();
afterAll(() => rmSync(dist, { recursive: true, force: true }));

async function outcomes(seed: number): Promise<string[]> {
  const mesh = await LocalMesh.start({ distDir: dist, env: 'dev', seed });
  try {
    const port = mesh.instancesOf('t', 'front')[0]!.ports.outbound;
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await request(`http://127.0.0.1:${port}/chaos/x`, { headers: { host: 'backend.t:8080', 'x-request-id': `seed-${i}` } });
      const body = await res.body.text();
      seen.push(`${res.statusCode} ${res.statusCode === 200 ? (JSON.parse(body) as { instance: string }).instance : res.headers['x-weft-response-flags']}`);
    }
    return seen;
  } finally {
    await mesh.stop();
  }
}

describe('seeded proxies', () => {
  it('sfc32 from a seed string is a fixed sequence in [0, 1)', () => {
    const a = seededRandom('7/front-v1-0');
    const b = seededRandom('7/front-v1-0');
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom('8/front-v1-0')()).not.toBe(xs[0]);
    // roughly uniform: each tenth holds 100 ± 40 of 1000
    for (let d = 0; d < 10; d++) expect(Math.abs(xs.filter((x) => Math.floor(x * 10) === d).length - 100)).toBeLessThan(40);
  });

  it('the same seed gives the same fault rolls and picks; another seed other ones', async () => {
    const first = await outcomes(42);
    const again = await outcomes(42);
    const other = await outcomes(43);
    expect(first.some((o) => o.startsWith('503'))).toBe(true);
    expect(first.some((o) => o.startsWith('200'))).toBe(true);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  }, 240_000);
});
