/**
 * The Node flags of the proxy process, one list for every way the proxy starts: the image's
 * ENTRYPOINT (src/proxy/Dockerfile; test/proxy/bench-memory.test.ts keeps the two equal),
 * `weft proxy` (./launch.mjs re-executes itself with them), the workers of `--workers N` (node:cluster
 * forks with the primary's execArgv) and the benchmarks (bench/proxy/runtimes.ts). Each was
 * measured with bench/proxy/memory.ts (docs/performance.md, "Proxy memory"; docs/proxy.md):
 * - `--max-semi-space-size=1`: V8's young generation at most 2 × 1 MB (by default V8 sizes it from
 *   the heap limit, which it derives from the machine's memory); the proxy's per-request garbage
 *   dies young either way. The trade: against 2 × 2 MB, 1.3 MB less peak RSS on Node 24 and
 *   1.8–2.7 MB on Node 20, for twice the scavenges (5.6 instead of 2.8 per 1,000 requests on
 *   Node 24, 6.3 instead of 3.1 on Node 20) at the same bytes allocated, and no more instructions
 *   per request (callgrind: within the run-to-run spread on both runtimes) — a scavenge costs
 *   what survives it, and a request's garbage does not (docs/performance.md, "Proxy memory on
 *   Node 24, ninth pass").
 * - `--v8-pool-size=1`: one V8 platform thread for the concurrent compiler and GC helpers
 *   instead of one per core (a thread stack and a malloc arena each).
 * - `--no-maglev`: on Node 24, no mid-tier JIT (TurboFan still optimizes the hot code): 8–13 MB
 *   less compiler memory after load, no measured CPU cost per request. Node 20 has it off already.
 * Plain JavaScript: ./launch.mjs runs before tsx is registered.
 * @see https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib
 * @see https://nodejs.org/api/cli.html#--v8-pool-sizenum
 */
export const PROXY_NODE_FLAGS = Object.freeze(['--max-semi-space-size=1', '--v8-pool-size=1', '--no-maglev']);
