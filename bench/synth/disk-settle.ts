import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Brings the disk to rest before a timed run: `sync(1)`, then waits (bounded) until the page
 * cache's dirty and under-writeback data is small and the disks have written and discarded
 * nothing for a second. A 1,000-service run writes 42,000 files (~200 MB); the root filesystem
 * here is ext4 mounted with `discard`. Without this step the next run would start while the
 * kernel still writes the previous one's files back.
 *
 * What it found (docs/performance.md, "Synth", 2026-11-30 12:12–12:30 UTC): that was not what made the
 * 1,000-service runs spread 14–26 s. Dirty + Writeback fell to the machine's baseline within a
 * second of each removal (deleting a file drops its dirty pages), and a run started on a
 * settled disk spent as much system CPU as one started right after a removal. The spread is
 * the system CPU of creating the 42,000 files (2.3 s in a quiet run, 13–22 s while other
 * processes used the same filesystem; 1.0 s with `--check`, which writes nothing), so the
 * benchmark reports each run's user and system CPU beside its wall time. Why creating them
 * cost so much (found 2026-11-30 15:30 UTC): this ext4 has no journal, and its inode
 * allocator then skips every recently freed inode one by one — the benchmark's own removal of
 * the previous run's files made the next run pay for it; it now keeps them (run.ts `scratch`).
 * @see https://docs.kernel.org/admin-guide/sysctl/vm.html (dirty_* : when dirty data is written back)
 * @see https://docs.kernel.org/admin-guide/iostats.html (/proc/diskstats fields)
 */
export async function settleDisk(options: { boundMs?: number; dirtyKb?: number } = {}): Promise<DiskState> {
  const bound = Date.now() + (options.boundMs ?? 60_000);
  const dirtyLimit = options.dirtyKb ?? 32 * 1024;
  const start = Date.now();
  spawnSync('sync', { stdio: 'ignore', timeout: options.boundMs ?? 60_000 });
  let previous = diskSectors();
  let quietSamples = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = diskSectors();
    quietSamples = now === previous ? quietSamples + 1 : 0;
    previous = now;
    const settled = quietSamples >= 2 && dirtyKb() <= dirtyLimit;
    if (settled || Date.now() >= bound) return { settled, waitedMs: Date.now() - start, dirtyKb: dirtyKb() };
  }
}

export interface DiskState {
  /** False when the bound ran out first (the run goes ahead, and the report says so). */
  settled: boolean;
  waitedMs: number;
  /** Dirty + Writeback when the wait ended, KB. */
  dirtyKb: number;
}

/** Dirty + Writeback of the page cache, KB (/proc/meminfo). */
export function dirtyKb(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return field('Dirty') + field('Writeback');
}

/**
 * Sectors written plus sectors discarded, over every whole disk (/proc/diskstats fields 10 and
 * 17; partitions are skipped so that nothing counts twice), as a string to compare.
 */
function diskSectors(): string {
  let total = 0;
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !/^(?:[sv]d[a-z]+|nvme\d+n\d+|xvd[a-z]+)$/.test(f[2]!)) continue;
    total += Number(f[9]) + Number(f[16] ?? 0);
  }
  return String(total);
}
