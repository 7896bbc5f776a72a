/**
 * The proxy's Node flags (src/proxy/node-flags.mjs: the image's ENTRYPOINT, `weft proxy`, its
 * workers and the benchmarks — test/proxy/launch-flags.test.ts and bench-memory.test.ts check
 * that they all use the list) cap V8's young generation at 2 × 1 MB (issue 16, RSS ≤ 64 MB):
 * 1.3 MB less peak RSS on Node 24 than 2 × 2 MB, at the same instructions per request
 * (docs/performance.md, "Proxy memory on Node 24, ninth pass"). Checked on real processes of
 * each runtime the machine has (Node 20, and Node 24 from .cache/node24 when the proxy benchmark
 * has installed it), after enough short-lived garbage that V8 grows the young generation to its
 * cap: what V8 reports as the new space's size, not the flag's text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROXY_NODE_FLAGS } from '../../src/proxy/node-flags.mjs';
import { NODE24 } from '../../bench/proxy/runtimes';

const runtimes = [process.execPath, ...(existsSync(NODE24) ? [NODE24] : [])];

/**
 * Allocates ~100 MB in small objects that die young (bounded: 2,000,000 objects) and samples the
 * new space's size every 50,000: the median of the later half. On Node 24 single samples are at
 * times larger (pages a scavenge has not given back yet: 2.25–5.5 MiB under a 1 MiB cap, up to
 * 6.75 under 2 MiB); the median is the cap (2 MiB with 1 MiB semi-spaces, 4 MiB with 2).
 */
const GROW_AND_REPORT = `
const v8 = require('node:v8');
const sizes = [];
let keep = [];
for (let i = 1; i <= 2000000; i++) {
  keep.push({ i, s: 'x' + i });
  if (keep.length > 20000) keep = [];
  if (i % 50000 === 0) sizes.push(v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space').space_size);
}
const late = sizes.slice(sizes.length / 2).sort((a, b) => a - b);
console.log(JSON.stringify({ size: late[late.length >> 1], execArgv: process.execArgv }));
`;

describe('the proxy Node flags: young generation', () => {
  it.each(runtimes)('caps the new space at 2 × 1 MB under allocation (%s)', (node) => {
    const run = spawnSync(node, [...PROXY_NODE_FLAGS, '-e', GROW_AND_REPORT], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { size, execArgv } = JSON.parse(run.stdout) as { size: number; execArgv: string[] };
    expect(execArgv.slice(0, PROXY_NODE_FLAGS.length)).toEqual([...PROXY_NODE_FLAGS]);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});
