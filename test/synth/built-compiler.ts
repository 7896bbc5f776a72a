import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

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
