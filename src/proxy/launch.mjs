/**
 * `weft proxy` runs the precompiled bundle, lib/weft-proxy.mjs, not the TypeScript sources:
 * through tsx it starts in seconds and takes ~150 MB, the bundle in a fraction of both.
 * bin/weft.mjs calls `launchProxy` before it registers tsx. Plain JavaScript for that reason.
 * The bundle is (re)built first when it is missing or older than the sources it is made of
 * (src/proxy/**, and the `weft proxy` command in src/cli/); the build writes a temporary file
 * and renames it, so concurrent launches never read half a bundle. `--from-source` (or a
 * failed build) falls back to the sources through tsx.
 *
 * The bundle runs with the image's Node flags (./node-flags.mjs): where Node has
 * `process.execve` (22.15+, 23.11+, 24) the launcher replaces itself with
 * `node <flags> <the caller's own flags> lib/weft-proxy.mjs <args>` — same pid, so signals and
 * exit codes are the proxy's, and no launcher process stays behind; `--workers N` forks with
 * those flags (node:cluster passes the primary's execArgv on). Without `process.execve` (Node 20)
 * the bundle runs in this process without them: V8 reads them only at start, and a launcher
 * process kept alive beside the proxy would cost more memory than they save there.
 * @see https://nodejs.org/api/process.html#processexecvefile-args-env
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROXY_NODE_FLAGS } from './node-flags.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'lib/weft-proxy.mjs');
const SOURCES = [join(root, 'src/proxy'), join(root, 'src/cli/commands/proxy.ts'), join(root, 'src/cli/command.ts'), join(root, 'schemas/weft-proxy-config.schema.json')];

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

/** Runs `weft proxy <args>` from the bundle; false = the caller runs it from source. */
export async function launchProxy(args) {
  if (args.includes('--from-source')) return false;
  const stale = !existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(...SOURCES.map(newest));
  if (stale) {
    process.stderr.write('weft proxy: building lib/weft-proxy.mjs (missing or older than its sources)…\n');
    const tmp = `${bundle}.tmp-${process.pid}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/proxy/build.ts'), tmp], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0 || !existsSync(tmp)) {
      process.stderr.write('weft proxy: the bundle could not be built; running from source (tsx)\n');
      return false;
    }
    renameSync(tmp, bundle);
  }
  if (typeof process.execve === 'function' && !PROXY_NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
    // The caller's own flags come after the image's, so that they win (`--max-semi-space-size=8`).
    process.execve(process.execPath, [process.execPath, ...PROXY_NODE_FLAGS, ...process.execArgv, bundle, ...args], process.env);
  }
  process.argv = [process.argv[0], bundle, ...args];
  await import(pathToFileURL(bundle).href);
  return true;
}
