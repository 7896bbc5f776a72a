/**
 * Preloaded into a proxy process by tests (`node --import module-probe.mjs lib/weft-proxy.mjs …`):
 * answers `{ type: 'modules' }` on the IPC channel with the built-in modules the process has
 * loaded (`process.moduleLoadList`, `NativeModule x` entries, as `node:x`). No timer, no
 * listener; the channel is unref'd so the proxy still exits when it has drained.
 */
if (process.send) {
  process.channel?.unref();
  process.on('message', (m) => {
    if (m?.type !== 'modules') return;
    const builtins = process.moduleLoadList.filter((e) => e.startsWith('NativeModule ')).map((e) => `node:${e.slice('NativeModule '.length)}`);
    process.send({ type: 'modules', builtins });
  });
}
