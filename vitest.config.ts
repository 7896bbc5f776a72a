import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds for hangs, not budgets: on a loaded 2-core machine a socket test that takes 2 s alone
    // has been seen to take 13 s (module import and proxy start included). Tests that spawn
    // meshes or browsers set their own, longer bounds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Proxy and benchmark-style tests open real sockets; two cores are shared.
    pool: 'forks',
    maxWorkers: 2,
  },
});
