/**
 * The local mesh runs the proxy the way the image does: the precompiled bundle
 * (src/proxy/build.ts, `node weft-proxy.mjs --config …`), one plain `node` process per
 * instance without the tsx loader — ~0.1 s and ~35 MB less per process than `weft proxy`
 * through tsx. The echo workload is bundled the same way. Bundles are cached under
 * node_modules/.cache/weft-local/<hash of their sources>, so a change to the proxy's sources is
 * always what runs.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BundleError } from './errors';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Bundles {
  proxy: string;
  echo: string;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(name)) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(ROOT, 'src/proxy'));
  walk(join(ROOT, 'src/echo'));
  hash.update(readFileSync(join(ROOT, 'schemas/weft-proxy-config.schema.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds in flight, per bundle folder: callers in one process (the mesh, then both refusing twins
 * of a connect-failure check at once) share one build instead of racing on the same files.
 */
const building = new Map<string, Promise<Bundles>>();

/** Builds (or reuses) the proxy and echo bundles; returns their paths. */
export function ensureBundles(): Promise<Bundles> {
  const dir = join(ROOT, 'node_modules/.cache/weft-local', sourceHash());
  let pending = building.get(dir);
  if (!pending) {
    pending = buildBundles(dir);
    building.set(dir, pending);
    // A failed build is retried by the next caller.
    pending.catch(() => building.delete(dir));
  }
  return pending;
}

async function buildBundles(dir: string): Promise<Bundles> {
  const bundles = { proxy: join(dir, 'weft-proxy.mjs'), echo: join(dir, 'weft-echo.mjs') };
  mkdirSync(dir, { recursive: true });
  if (!existsSync(bundles.proxy)) {
    // build.ts is a script (top-level await); run it as the npm script does, with an output path.
    // Unique per build: other processes (parallel test files) may build the same folder at once; the rename is atomic.
    const tmp = `${bundles.proxy}.${process.pid}.${randomUUID()}.tmp.mjs`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/proxy/build.ts'), tmp], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new BundleError('proxy', (r.stderr || r.error?.message || `exit ${r.status}`).trim());
    renameSync(tmp, bundles.proxy);
  }
  if (!existsSync(bundles.echo)) {
    const tmp = `${bundles.echo}.${process.pid}.${randomUUID()}.tmp.mjs`;
    try {
      await build({
        entryPoints: [join(ROOT, 'src/echo/entry.ts')],
        outfile: tmp,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
        logLevel: 'silent',
      });
    } catch (error) {
      throw new BundleError('echo', (error as Error).message);
    }
    renameSync(tmp, bundles.echo);
  }
  // The gRPC echo loads its proto next to the bundle (src/echo/grpc.ts), as the echo image lays it out.
  const proto = join(dir, 'echo.proto');
  if (!existsSync(proto)) copyFileSync(join(ROOT, 'src/echo/echo.proto'), proto);
  return bundles;
}
