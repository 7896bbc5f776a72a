import { spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Builds the precompiled proxy into `file`, as `npm run build:proxy` does (src/proxy/build.ts); throws with the build's stderr. */
export function buildProxyBundle(file: string): void {
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/proxy/build.ts'), file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) throw new Error(`the proxy bundle did not build (status ${build.status}): ${build.stderr}`);
}

/** The built-in modules a proxy forked with `--import helpers/module-probe.mjs` has loaded so far. */
export function loadedBuiltins(child: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no modules answer in 30 s')), 30_000);
    child.once('message', (m: { builtins: string[] }) => {
      clearTimeout(timer);
      resolve(m.builtins);
    });
    child.send({ type: 'modules' });
  });
}
