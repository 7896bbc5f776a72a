import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic';
import type { CompiledConfig } from './compile-config';
import { compileIsolated, type IsolateOptions } from './isolate';
import { cannotWrite, DistStage, hasUnfinishedWrite, recoverDist, stagingFolderFor, type DistChanges, type StageOptions } from './write';

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
  // The child stages the output beside dist/ as it emits it, comparing with dist/ as it is:
  // so a write a crash interrupted is finished first. This process commits the stage or removes it.
  if (!options.check) recoverDist(options.distDir);
  const output = { distDir: options.distDir, staging: stagingFolderFor(options.distDir), dryRun: options.check ?? false };
  return writeCompiled(await compileIsolated(options.configPath, { ...options, output }), { ...options, staging: output.staging });
}

/**
 * The write step of `synth`: dist/ changes only for a result without errors, and only in the
 * files that differ (write.ts). The result's files are either in `compiled.files` (compared
 * and staged here) or already staged by the compile child (`compiled.staged`, the streaming
 * path of isolate.ts); either way the commit happens here, in the parent.
 */
export function writeCompiled(compiled: CompiledConfig, options: Pick<SynthOptions, 'distDir' | 'check' | 'environments'> & Pick<StageOptions, 'staging' | 'known'>): SynthResult {
  const none: DistChanges = { added: [], changed: [], removed: [] };
  const { diagnostics } = compiled;
  const envScope = options.environments ? compiled.environments : undefined;
  const stage = new DistStage(options.distDir, { environments: envScope, staging: options.staging ?? compiled.staged?.staging, dryRun: options.check, known: options.known });
  try {
    if (hasErrors(diagnostics)) return { diagnostics, changes: none, wrote: false, ok: false };
    // A write a crash interrupted is finished before comparing (synth did so before the child
    // compared); --check writes nothing and reports it as stale.
    const interrupted = options.check && hasUnfinishedWrite(options.distDir);
    if (!options.check && !compiled.staged) recoverDist(options.distDir);
    let changes = compiled.staged?.changes;
    if (!changes) {
      for (const [rel, content] of compiled.files) stage.offer(rel, content);
      changes = stage.changes();
    }
    const stale = interrupted || changes.added.length + changes.changed.length + changes.removed.length > 0;
    if (options.check) return { diagnostics, changes, wrote: false, ok: !stale };
    // Unchanged files are not touched: their mtimes stay (write.ts).
    if (stale) {
      try {
        stage.commit(changes);
      } catch (error) {
        return { diagnostics: [...diagnostics, cannotWrite(options.distDir, error)], changes: none, wrote: false, ok: false };
      }
    }
    if (process.env.WEFT_SYNTH_STAGES === '1') process.stderr.write(`weft-stages ${JSON.stringify({ written: performance.now() })}\n`);
    return { diagnostics, changes, wrote: stale, ok: true };
  } finally {
    stage.discard();
  }
}
