/**
 * The pure parts of the proxy's memory benchmark (bench/proxy/memory.ts): the --trace-gc summary
 * (Node 20's and Node 24's line formats) and the heap snapshot's largest object groups; and that
 * the benchmarks run the proxy with the image's Node flags.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeGcTrace } from '../../bench/proxy/gc-trace';
import { largestObjectGroups } from '../../bench/proxy/heap-snapshot';
import { WEFT_NODE_FLAGS } from '../../bench/proxy/runtimes';
import { procStatus, smapsRollup } from '../../bench/proxy/memory-stats';
import { PROXY_NODE_FLAGS } from '../../src/proxy/node-flags.mjs';

describe('bench/proxy memory tools', () => {
  it('summarises --trace-gc lines of Node 20 and Node 24 by kind, with main-thread pauses', () => {
    const trace = [
      '[6363:0x447e2090]       19 ms: Scavenge 3.9 (4.0) -> 3.6 (5.0) MB, 1.10 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
      '[6380:0x18602000]       26 ms: Scavenge 6.4 (8.6) -> 5.8 (8.7) MB, pooled: 0 MB, 1.53 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
      '{"time":"…","msg":"proxy started"}',
      '[6390:0x3948f000]      320 ms: Mark-Compact 132.0 (168.8) -> 102.8 (231.7) MB, pooled: 0 MB, 102.51 / 0.00 ms  (+ 0.7 ms in 22 steps since start of marking, biggest step 0.3 ms, walltime since start of marking 110 ms) (average mu = 0.672, current mu = 0.672) allocation failure; GC in old space requested',
    ].join('\n');
    const s = summarizeGcTrace(trace);
    expect(s.kinds.Scavenge).toEqual({ count: 2, totalMs: 1.1 + 1.53, medianMs: (1.1 + 1.53) / 2, maxMs: 1.53 });
    expect(s.kinds['Mark-Compact']).toEqual({ count: 1, totalMs: 102.51, medianMs: 102.51, maxMs: 102.51 });
    expect(summarizeGcTrace('no gc here').text).toBe('none');
  });

  it('groups a real heap snapshot by constructor, largest first', () => {
    class WeftMemoryTestMarker {
      readonly payload = new Array(64).fill(0);
    }
    const keep = Array.from({ length: 5000 }, () => new WeftMemoryTestMarker());
    const dir = mkdtempSync(join(tmpdir(), 'weft-snap-'));
    try {
      const file = writeHeapSnapshot(join(dir, 'x.heapsnapshot'));
      const groups = largestObjectGroups(readFileSync(file, 'utf8'), 1000);
      const marker = groups.find((g) => g.name === 'WeftMemoryTestMarker');
      expect(marker?.count).toBe(keep.length);
      expect(marker!.size).toBeGreaterThan(0);
      for (let i = 1; i < groups.length; i++) expect(groups[i - 1]!.size).toBeGreaterThanOrEqual(groups[i]!.size);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the proxy with the Node flags of the image (src/proxy/Dockerfile ENTRYPOINT)', () => {
    const dockerfile = readFileSync(fileURLToPath(new URL('../../src/proxy/Dockerfile', import.meta.url)), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint.slice(1, -1)).toEqual(WEFT_NODE_FLAGS);
    // …and with those of `weft proxy` (src/proxy/launch.mjs).
    expect(WEFT_NODE_FLAGS).toEqual([...PROXY_NODE_FLAGS]);
  });

  it.skipIf(process.platform !== 'linux')('reads PSS and the shared clean pages of a process (smaps_rollup), next to its RSS', () => {
    const rss = procStatus(process.pid, 'VmRSS');
    const pss = smapsRollup(process.pid, 'Pss');
    const shared = smapsRollup(process.pid, 'Shared_Clean');
    expect(pss).toBeGreaterThan(0);
    // Shared pages count in full in RSS and in part in PSS; the node binary's code is shared clean.
    expect(pss).toBeLessThanOrEqual(rss);
    expect(shared).toBeGreaterThan(0);
    expect(shared).toBeLessThan(rss);
  });
});
