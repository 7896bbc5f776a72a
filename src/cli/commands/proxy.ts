import { parseArgs } from 'node:util';
import { ExitCode, type Command } from '../command';

/**
 * `weft proxy`: runs the proxy for one workload. `bin/weft.mjs` hands `weft proxy` to the
 * precompiled bundle (src/proxy/launch.mjs) unless `--from-source` is given, so this code
 * normally runs inside lib/weft-proxy.mjs; the proxy module is imported lazily so that other
 * commands do not pay for ajv at start-up.
 */
export const command: Command = {
  name: 'proxy',
  summary: 'Run the Weft sidecar proxy from its config file',
  usage: `usage: weft proxy --config <file> [--workers <n>] [--check] [--local] [--listen <l>=[host:]port]… [--endpoint <service>=host:port]…

Runs the Weft proxy (inbound, outbound and admin listeners) from a config emitted by the
\`weft\` target. The config is watched and hot-reloaded; an invalid new config is rejected and
the last good one keeps serving. SIGTERM drains gracefully. Runs the precompiled bundle
(lib/weft-proxy.mjs, rebuilt when older than src/proxy); --from-source runs the TypeScript
sources through tsx instead (development).

options:
  --config <file>     proxy config (JSON; schema: schemas/weft-proxy-config.schema.json)
  --workers <n>       worker processes sharing the listeners (node:cluster); default 1; the
                      primary logs its bound admin port ("proxy primary started")
  --check             validate the config and exit (0 valid, 1 invalid)
  --local             bind every listener on 127.0.0.1 (try a dist/ config on a laptop)
  --listen <l>=[host:]port
                      move listener inbound|outbound|admin (implies --local), e.g. outbound=15001
  --endpoint <service>=host:port
                      send every subset of a service to one address (implies --local);
                      \`inbound\` names the application behind the inbound listener
  --from-source       run the sources through tsx instead of the bundle
`,
  async run(args) {
    let values: { config?: string; workers?: string; check?: boolean; local?: boolean; listen?: string[]; endpoint?: string[]; 'from-source'?: boolean };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          config: { type: 'string' },
          workers: { type: 'string' },
          check: { type: 'boolean' },
          local: { type: 'boolean' },
          listen: { type: 'string', multiple: true },
          endpoint: { type: 'string', multiple: true },
          'from-source': { type: 'boolean' },
        },
        strict: true,
      }));
    } catch (error) {
      process.stderr.write(`weft proxy: ${(error as Error).message}\n`);
      return ExitCode.usage;
    }
    // A verification run's seed (src/proxy/seeded-random.ts): the proxy's random draws follow it.
    if (process.env.WEFT_PROXY_SEED) (await import('../../proxy/seeded-random')).installSeededRandom(process.env.WEFT_PROXY_SEED);
    const config = values.config ?? process.env.WEFT_PROXY_CONFIG;
    if (!config) {
      process.stderr.write('weft proxy: --config <file> is required\n');
      return ExitCode.usage;
    }
    const workers = values.workers === undefined ? 1 : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1) {
      process.stderr.write('weft proxy: --workers must be a positive integer\n');
      return ExitCode.usage;
    }
    let transform: ((text: string) => string) | undefined;
    if (values.local || values.listen || values.endpoint) {
      const { applyLocalOverrides, parseLocalOverrides, unknownEndpointServices } = await import('../../proxy/config/local-overrides');
      const o = parseLocalOverrides(values.listen ?? [], values.endpoint ?? []);
      if (typeof o === 'string') {
        process.stderr.write(`weft proxy: ${o}\n`);
        return ExitCode.usage;
      }
      const { readFileSync } = await import('node:fs');
      let unknown: string[] = [];
      try {
        unknown = unknownEndpointServices(readFileSync(config, 'utf8'), o);
      } catch {
        // unreadable: loading reports it with its code
      }
      if (unknown.length > 0) {
        process.stderr.write(`weft proxy: --endpoint names no service of ${config}: ${unknown.join(', ')}\n`);
        return ExitCode.usage;
      }
      transform = (text) => applyLocalOverrides(text, o);
    }
    const { WeftProxyError } = await import('../../proxy/errors');
    try {
      if (values.check) {
        const { loadProxyConfig } = await import('../../proxy/config/load');
        const loaded = await loadProxyConfig(config, transform);
        process.stdout.write(`${config}: valid (${loaded.hash})\n`);
        return ExitCode.ok;
      }
      const { isWorker, runPrimary, runWorker } = await import('../../proxy/workers');
      if (isWorker()) {
        await runWorker(config, undefined, transform);
        return await new Promise<number>(() => {});
      }
      if (workers > 1) return await runPrimary(config, workers, undefined, transform);
      const { WeftProxy } = await import('../../proxy/proxy');
      const proxy = await WeftProxy.start({ configPath: config, ...(transform ? { transform } : {}) });
      return await new Promise<number>((resolve) => {
        const stop = (): void => void proxy.drain().then(() => resolve(ExitCode.ok));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        // A supervisor that cannot be trusted to outlive us (the local mesh: a test runner may
        // SIGKILL it) starts us with an IPC channel; its closing means the supervisor is gone.
        if (process.env.WEFT_STOP_WITH_PARENT === '1' && process.channel) {
          process.channel.unref();
          process.once('disconnect', stop);
        }
      });
    } catch (error) {
      if (error instanceof WeftProxyError) {
        process.stderr.write(`weft proxy: ${error.code}: ${error.message}\n`);
        return ExitCode.userError;
      }
      throw error;
    }
  },
};
