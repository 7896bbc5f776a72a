/**
 * The proxy's monotonic clock in milliseconds, with sub-microsecond resolution: request start and
 * durations (latency histograms, access-log durations, upstream time), timeout deadlines, pool
 * idle expiry, token buckets, backoff. Only differences and comparisons of its values mean
 * anything, as with `performance.now()`, which it replaces.
 *
 * Why not `performance.now()`: the `performance` global is a lazy getter that loads `perf_hooks`
 * and eight internal modules behind it (user timing, resource timing, histograms, …) the first
 * time it is read: +0.57 MB RSS on Node 24 and +0.23 MB on Node 20 in an empty process with the
 * proxy's flags, for the life of the process (docs/performance.md, "Proxy memory on Node 24,
 * ninth pass"). `process.hrtime()` reads the same clock (libuv's `uv_hrtime`, CLOCK_MONOTONIC)
 * and is on `process`, loaded at bootstrap.
 *
 * Why `process.hrtime()` and not `process.hrtime.bigint()`: the array `hrtime` returns is built
 * in JavaScript from a shared typed array, so where V8 inlines this function into optimized code
 * its escape analysis removes the array — no allocation, as `performance.now()`. A BigInt is made
 * in C++ and always allocated: with `hrtime.bigint()` the proxy allocated ~500 more bytes per
 * request (bench/proxy/instructions.ts, `alloc` column), with `hrtime()` ~300 more (most reads sit
 * in functions too large for V8 to inline it into) — the one CPU cost of dropping `perf_hooks`,
 * with no measurable rise in instructions per request (callgrind; docs/performance.md).
 *
 * Its zero is the process's start, as `performance.now()`'s (within 2 ms: Node's start time,
 * through `process.uptime()`), so values and code that starts from 0 (a never-attempted
 * backoff, an empty bucket) mean what they meant; counting from there also keeps the double's
 * full precision.
 * @see https://nodejs.org/api/process.html#processhrtimetime
 * @see https://nodejs.org/api/process.html#processuptime
 * @see https://nodejs.org/api/perf_hooks.html#performancenow
 */
const LOADED = process.hrtime();
const ORIGIN_S = LOADED[0];
const ORIGIN_MS = LOADED[1] / 1e6 - process.uptime() * 1e3;

export function monotonicMs(): number {
  const t = process.hrtime();
  return (t[0] - ORIGIN_S) * 1e3 + (t[1] / 1e6 - ORIGIN_MS);
}
