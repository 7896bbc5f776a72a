import { parseArgs } from 'node:util';
import { ExitCode, type Command } from '../command';

/**
 * `weft proxy`: runs the bundled proxy for one workload. The proxy module is imported lazily so
 * that other commands do not pay for undici and ajv at start-up.
 */
export const command: Command = {
  name: 'proxy',
  summary: 'Run the Weft sidecar proxy from its config file',
  usage: `usage: weft proxy --config <file> [--workers <n>] [--check]

Runs the Weft proxy (inbound, outbound and admin listeners) from a config emitted by the
\`weft\` target. The config is watched and hot-reloaded; an invalid new config is rejected and
the last good one keeps serving. SIGTERM drains gracefully.

options:
  --config <file>   proxy config (JSON; schema: schemas/weft-proxy-config.schema.json)
  --workers <n>     worker processes sharing the listeners (node:cluster); default 1
  --check           validate the config and exit (0 valid, 1 invalid)
`,
  async run(args) {
    let values: { config?: string; workers?: string; check?: boolean };
    try {
      ({ values } = parseArgs({ args, options: { config: { type: 'string' }, workers: { type: 'string' }, check: { type: 'boolean' } }, strict: true }));
    } catch (error) {
      process.stderr.write(`weft proxy: ${(error as Error).message}\n`);
      return ExitCode.usage;
    }
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
    const { WeftProxyError } = await import('../../proxy/errors');
    try {
      if (values.check) {
        const { loadProxyConfig } = await import('../../proxy/config/load');
        const loaded = await loadProxyConfig(config);
        process.stdout.write(`${config}: valid (${loaded.hash})\n`);
        return ExitCode.ok;
      }
      const { isWorker, runPrimary, runWorker } = await import('../../proxy/workers');
      if (isWorker()) {
        await runWorker(config);
        return await new Promise<number>(() => {});
      }
      if (workers > 1) return await runPrimary(config, workers);
      const { WeftProxy } = await import('../../proxy/proxy');
      const proxy = await WeftProxy.start({ configPath: config });
      return await new Promise<number>((resolve) => {
        const stop = (): void => void proxy.drain().then(() => resolve(ExitCode.ok));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
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
