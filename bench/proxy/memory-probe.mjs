/**
 * Preloaded into the proxy process by bench/proxy/memory.ts (`node --import memory-probe.mjs
 * lib/weft-proxy.mjs …`): answers the parent's IPC requests with the process's memory
 * breakdown (process.memoryUsage, V8 heap spaces and code statistics, which of the built-ins
 * the proxy loads only on demand are loaded: src/proxy/builtins-on-demand.ts, crypto among them) or writes a heap
 * snapshot. It adds no timer and no listener of its own; the IPC channel is unref'd so that the
 * proxy still exits when it has drained.
 * @see https://nodejs.org/api/v8.html#v8getheapspacestatistics
 * @see https://nodejs.org/api/v8.html#v8getheapcodestatistics
 */
import v8 from 'node:v8';

if (process.send) {
  process.channel?.unref();
  process.on('message', (m) => {
    if (m?.type === 'stats') {
      process.send({
        type: 'stats',
        memory: process.memoryUsage(),
        spaces: v8.getHeapSpaceStatistics().map((s) => ({ name: s.space_name, size: s.space_size, used: s.space_used_size, physical: s.physical_space_size })),
        code: v8.getHeapCodeStatistics(),
        heap: v8.getHeapStatistics(),
        onDemand: ['http', 'tls', 'http2', 'dns/promises', 'crypto'].filter((id) => process.moduleLoadList.includes(`NativeModule ${id}`)),
      });
    } else if (m?.type === 'snapshot') {
      process.send({ type: 'snapshot', file: v8.writeHeapSnapshot(m.file) });
    }
  });
}
