import { fork } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { exchange, type Exchange } from '../../src/synth/isolate';
import { repoRoot } from '../e2e/helpers';

/** A variable, not a literal: the build script is plain JavaScript without type declarations. */
const BUILD = '../../src/cli/build.mjs';

interface Launcher {
  staleReason(): string | undefined;
  rebuild(): Promise<void>;
  COMPILER_BUNDLE: string;
}

/** lib/weft-compiler.cjs as built from the current sources: rebuilt first when it is stale. */
export async function builtCompiler(): Promise<string> {
  const launcher = (await import(BUILD)) as Launcher;
  if (launcher.staleReason()) await launcher.rebuild();
  return launcher.COMPILER_BUNDLE;
}

/** A copy of the built compiler in `dir`: a rebuild of lib/ meanwhile (a source edited) must not change the bundle under test. */
export async function copyOfBuiltCompiler(dir: string): Promise<string> {
  const bundle = join(dir, 'weft-compiler.cjs');
  copyFileSync(await builtCompiler(), bundle);
  return bundle;
}

const CHILD = join(repoRoot, 'src/synth/compile-child.mjs');

export interface ChildCompile {
  outcome: Exchange;
  /** Everything the child wrote to stderr (stage reports, probes' lines). */
  stderr: string;
}

/**
 * One compile of `configPath` in a fresh compile child running `bundle` with its code cache in
 * `cacheDir`; the child's exit (and with it the cache write) is awaited.
 */
export async function compileInChild(bundle: string, cacheDir: string, configPath: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ChildCompile> {
  const child = fork(CHILD, [bundle, cacheDir], { execArgv: options.execArgv, env: options.env, serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const outcome = await exchange(child, { configPath, options: {} }, 200_000);
  await exited;
  return { outcome, stderr };
}
