/**
 * src/proxy/builtin-imports.ts: the proxy's bundle takes Node's built-ins through `require`, so
 * that building an ES namespace does not run their lazy getters (on Node 24, `node:http`'s load
 * undici: 17 MB RSS). Shown on this machine's Node with `node:crypto`, whose `webcrypto`/`subtle`
 * getters load `internal/crypto/webcrypto`: an ES import of `createHash` loads it, the plugin's
 * output does not — for a dynamic `import()` either, which needs the whole namespace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinsThroughRequire, exportNames } from '../../src/proxy/builtin-imports';

const dir = mkdtempSync(join(tmpdir(), 'weft-builtins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runBundled(plugins: Parameters<typeof build>[0]['plugins']): Promise<{ webcryptoLoaded: boolean; read: string }> {
  const entry = join(dir, 'entry.mjs');
  writeFileSync(join(dir, 'data.txt'), 'payload');
  writeFileSync(
    entry,
    "import { createHash } from 'node:crypto';\nimport fs, { readFileSync } from 'node:fs';\n" +
      "console.log(JSON.stringify({ webcryptoLoaded: process.moduleLoadList.includes('NativeModule internal/crypto/webcrypto'), read: readFileSync(process.argv[2], 'utf8') + typeof fs.statSync + createHash('sha256').update('x').digest('hex').length }));\n",
  );
  const out = join(dir, `out-${plugins?.length ?? 0}.mjs`);
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent', plugins });
  const r = spawnSync(process.execPath, [out, join(dir, 'data.txt')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { webcryptoLoaded: boolean; read: string };
}

describe('built-ins through require (the proxy bundle)', () => {
  it('runs no lazy getter of a built-in, and named and default imports still work', async () => {
    expect(await runBundled([])).toEqual({ webcryptoLoaded: true, read: 'payloadfunction64' });
    expect(await runBundled([builtinsThroughRequire()])).toEqual({ webcryptoLoaded: false, read: 'payloadfunction64' });
  });

  it('runs no lazy getter for a dynamic import() of a built-in either', async () => {
    const entry = join(dir, 'dynamic.mjs');
    writeFileSync(
      entry,
      "const crypto = await import('node:crypto');\nconst { createHash } = crypto;\n" +
        "console.log(JSON.stringify({ webcryptoLoaded: process.moduleLoadList.includes('NativeModule internal/crypto/webcrypto'), digest: createHash('sha256').update('x').digest('hex').length, hasDefault: typeof crypto.default.createHash }));\n",
    );
    const out = join(dir, 'dynamic-out.mjs');
    await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent', plugins: [builtinsThroughRequire()] });
    const r = spawnSync(process.execPath, [out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ webcryptoLoaded: false, digest: 64, hasDefault: 'function' });
  });

  it('offers every identifier-named property of a built-in as a named export', () => {
    expect(exportNames('node:net')).toEqual(expect.arrayContaining(['BlockList', 'connect', 'createServer', 'isIP']));
    expect(exportNames('node:fs')).not.toContain('default');
  });
});
