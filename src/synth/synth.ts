import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic';
import type { CompiledConfig } from './compile-config';
import { compileIsolated, type IsolateOptions } from './isolate';
import { diffDist, readDist, writeDist, type DistChanges } from './write';

export interface SynthOptions extends IsolateOptions {
  configPath: string;
  distDir: string;
  /** Compare with dist/ instead of writing it. */
  check?: boolean;
}

export interface SynthResult {
  diagnostics: Diagnostic[];
  /** What changed (or, with `check`, what would change) in dist/. */
  changes: DistChanges;
  /** True when dist/ was rewritten. */
  wrote: boolean;
  ok: boolean;
}

/**
 * The whole `weft synth`: load → model → analyze → emit → schema-check (in a child process,
 * see isolate.ts) → write. Any error-level diagnostic stops before the write, leaving dist/ as
 * it was.
 */
export async function synth(options: SynthOptions): Promise<SynthResult> {
  return writeCompiled(await compileIsolated(options.configPath, options), options);
}

/** The write step of `synth`: dist/ changes only for a result without errors. */
export function writeCompiled(compiled: CompiledConfig, options: Pick<SynthOptions, 'distDir' | 'check' | 'environments'>): SynthResult {
  const none: DistChanges = { added: [], changed: [], removed: [] };
  const { diagnostics } = compiled;
  if (hasErrors(diagnostics)) return { diagnostics, changes: none, wrote: false, ok: false };
  const envScope = options.environments ? compiled.environments : undefined;
  const current = readDist(options.distDir, envScope);
  const changes = diffDist(current, compiled.files);
  const stale = changes.added.length + changes.changed.length + changes.removed.length > 0;
  if (options.check) return { diagnostics, changes, wrote: false, ok: !stale };
  // Unchanged files are carried over, not rewritten: their mtimes stay (write.ts).
  if (stale) writeDist(options.distDir, compiled.files, envScope, current);
  if (process.env.WEFT_SYNTH_STAGES === '1') process.stderr.write(`weft-stages ${JSON.stringify({ written: performance.now() })}\n`);
  return { diagnostics, changes, wrote: stale, ok: true };
}
