/**
 * Timed probes of timeout checks (src/verify/drive/checks/timed-probes.ts): scheduling delay
 * only adds to a measured duration, so the upper bound is judged on the fastest probe, and more
 * probes are sent only while every probe is sound but late.
 */
import { describe, expect, it } from 'vitest';
import { fastestMs, probeTimed, TIMED_PROBES } from '../../src/verify/drive/checks/timed-probes';

type Probe = { durationMs: number; code: number };
const scripted = (probes: Probe[]) => {
  let i = 0;
  const probe = async (): Promise<Probe> => probes[i++]!;
  return { probe, sent: () => i };
};
const sound = (o: Probe) => o.code === 4 && o.durationMs >= 950;

describe('timed probes', () => {
  it('sends the minimum when the fastest is within the bound', async () => {
    const s = scripted([{ durationMs: 1010, code: 4 }, { durationMs: 2600, code: 4 }, { durationMs: 1000, code: 4 }]);
    const obs = await probeTimed(s.probe, sound, 1300);
    expect(s.sent()).toBe(TIMED_PROBES.min);
    expect(fastestMs(obs)).toBe(1010);
  });

  it('sends more while all are late, and stops at the first in time (a loaded machine)', async () => {
    const s = scripted([{ durationMs: 2684, code: 4 }, { durationMs: 1400, code: 4 }, { durationMs: 1020, code: 4 }, { durationMs: 5000, code: 4 }]);
    const obs = await probeTimed(s.probe, sound, 1300);
    expect(s.sent()).toBe(3);
    expect(fastestMs(obs)).toBe(1020);
  });

  it('gives up after the maximum when every probe is late (a timer that fires late)', async () => {
    const s = scripted(Array.from({ length: 9 }, () => ({ durationMs: 2000, code: 4 })));
    const obs = await probeTimed(s.probe, sound, 1300);
    expect(obs).toHaveLength(TIMED_PROBES.max);
    expect(fastestMs(obs)).toBeGreaterThan(1300);
  });

  it('sends no more once a probe is unsound (wrong outcome or early): that failure needs no better sample', async () => {
    const wrong = scripted([{ durationMs: 2500, code: 0 }, { durationMs: 2500, code: 4 }, { durationMs: 1000, code: 4 }]);
    expect(await probeTimed(wrong.probe, sound, 1300)).toHaveLength(TIMED_PROBES.min);
    const early = scripted([{ durationMs: 100, code: 4 }, { durationMs: 2500, code: 4 }, { durationMs: 1000, code: 4 }]);
    expect(await probeTimed(early.probe, sound, 1300)).toHaveLength(TIMED_PROBES.min);
  });
});
