import { describe, expect, it } from 'vitest';
import { dirtyKb, settleDisk } from '../../bench/synth/disk-settle';

/**
 * The synth benchmark's wait for a disk at rest before each timed run (bench/synth/run.ts) must
 * read the kernel's figures and stay bounded: on a busy shared disk it gives up and says so.
 */
describe('settleDisk', () => {
  it('reads Dirty + Writeback from /proc/meminfo', () => {
    const kb = dirtyKb();
    expect(Number.isFinite(kb)).toBe(true);
    expect(kb).toBeGreaterThanOrEqual(0);
  });

  it('gives up at its bound when the disk cannot come to rest, and says so', async () => {
    // A limit no page cache meets: the wait can only end at the bound.
    const state = await settleDisk({ boundMs: 1500, dirtyKb: -1 });
    expect(state.settled).toBe(false);
    expect(state.waitedMs).toBeGreaterThanOrEqual(1500);
    expect(state.waitedMs).toBeLessThan(60_000);
  });
});
