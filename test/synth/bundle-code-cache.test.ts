/**
 * The precompiled compiler's V8 code cache (src/synth/compiler-script.mjs, issue 9 start-up):
 * a real compile child (compile-child.mjs running lib/weft-compiler.cjs) compiles the example
 * with its cache in a folder of this test. Whatever the cache file holds — nothing, a good
 * cache, damaged bytes, the cache of another bundle, data V8 refuses — the output is the same
 * bytes and the same diagnostics, and the file is replaced by a good one at exit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledConfig } from '../../src/synth/compile-config';
import { repoRoot } from '../e2e/helpers';
import { compileInChild, copyOfBuiltCompiler } from './built-compiler';

/** Plain JavaScript without declarations: imported by a name the type checker does not follow. */
/** The cache file's layout (compiler-script.mjs): this line, SHA-256 of the bundle, SHA-256 of the data, the data. */
const MAGIC = 'weft-v8-code-cache 1\n';
const HEADER = MAGIC.length + 64;

const dir = mkdtempSync(join(tmpdir(), 'weft-code-cache-'));
const cacheDir = join(dir, 'cache');
const cacheFile = join(cacheDir, `weft-compiler.cjs-${process.version}-${process.arch}.v8`);
let bundle = '';

afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  bundle = await copyOfBuiltCompiler(dir);
}, 240_000);

interface Run {
  codeCache: string;
  result: CompiledConfig;
}

/** One compile of the example in a fresh precompiled child, whose exit (and cache write) is awaited. */
async function compile(cache = cacheDir): Promise<Run> {
  const { outcome, stderr } = await compileInChild(bundle, cache, join(repoRoot, 'mesh.config.ts'), { env: { ...process.env, WEFT_SYNTH_STAGES: '1' } });
  if (outcome.kind !== 'done') throw new Error(`the child asked for the sources: ${stderr}`);
  const line = stderr.split('\n').find((l) => l.startsWith('weft-stages {"codeCache"'));
  if (!line) throw new Error(`no code cache state reported:\n${stderr}`);
  return { codeCache: (JSON.parse(line.slice('weft-stages '.length)) as { codeCache: string }).codeCache, result: outcome.result };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
const same = (run: Run, first: Run) => {
  expect(run.result.diagnostics).toEqual(first.result.diagnostics);
  expect([...run.result.files]).toEqual([...first.result.files]);
};
/** The cache file is well formed and made from the current bundle. */
const good = () => {
  const file = readFileSync(cacheFile);
  expect(file.subarray(0, MAGIC.length).toString()).toBe(MAGIC);
  expect(file.subarray(MAGIC.length, MAGIC.length + 32)).toEqual(sha256(readFileSync(bundle)));
  expect(file.subarray(MAGIC.length + 32, HEADER)).toEqual(sha256(file.subarray(HEADER)));
};

describe('the compiler bundle’s V8 code cache', () => {
  let first: Run;

  it('is written by a run without one, and used by the next with the same output', async () => {
    first = await compile();
    expect(first.codeCache).toBe('absent');
    expect(first.result.files.size).toBeGreaterThan(100);
    expect(first.result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    good();
    const written = readFileSync(cacheFile);
    const second = await compile();
    expect(second.codeCache).toBe('accepted');
    same(second, first);
    // A cache that was used is not written again.
    expect(readFileSync(cacheFile)).toEqual(written);
  }, 600_000);

  it('ignores a damaged file (its data, or cut short) and replaces it', async () => {
    const file = readFileSync(cacheFile);
    file[HEADER + Math.floor((file.length - HEADER) / 2)]! ^= 0xff;
    writeFileSync(cacheFile, file);
    const damaged = await compile();
    expect(damaged.codeCache).toBe('corrupt');
    same(damaged, first);
    good();
    writeFileSync(cacheFile, readFileSync(cacheFile).subarray(0, HEADER - 5));
    const cut = await compile();
    expect(cut.codeCache).toBe('corrupt');
    same(cut, first);
    good();
  }, 600_000);

  it('ignores the cache of another bundle, and data V8 refuses, and replaces them', async () => {
    // Made from another build: the bundle's hash differs.
    const file = readFileSync(cacheFile);
    file.fill(0, MAGIC.length, MAGIC.length + 32);
    writeFileSync(cacheFile, file);
    const stale = await compile();
    expect(stale.codeCache).toBe('stale');
    same(stale, first);
    good();
    // Well formed and claiming this bundle, but V8's data of another script: V8 rejects it.
    const other = new Script('globalThis.weftOther = 1').createCachedData();
    writeFileSync(cacheFile, Buffer.concat([Buffer.from(MAGIC), sha256(readFileSync(bundle)), sha256(other), other]));
    const rejected = await compile();
    expect(rejected.codeCache).toBe('rejected');
    same(rejected, first);
    good();
  }, 600_000);

  it('is not needed: a cache folder that cannot be written changes nothing', async () => {
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'not a folder');
    const run = await compile(notAFolder);
    expect(run.codeCache).toBe('absent');
    same(run, first);
    expect(existsSync(join(notAFolder, 'x'))).toBe(false);
  }, 600_000);
});
