import { watch, readdirSync, type FSWatcher } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { writeCompiled, type SynthOptions, type SynthResult } from './synth';
import { DistMemory } from './dist-memory';
import { WarmCompiler } from './warm-compiler';

/** Source files whose change re-runs synth: what mesh.config.ts can import. */
const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json']);
/** Folders never watched: dependencies, tool folders, and (below) the output folder. */
const SKIPPED = new Set(['node_modules']);
/** Bound on the folders watched, against a config next to a huge tree. */
const MAX_FOLDERS = 2000;
/** Editors save in bursts (write, rename, chmod): one synth per burst. */
const SETTLE_MS = 40;

export interface WatchHandle {
  /** Stops watching; resolves once a synth in progress has finished. */
  close(): Promise<void>;
}

/**
 * `weft synth --watch`: synthesizes once, then again on every save of a source file in the
 * config's folder tree (mesh.config.ts and the files it imports; dependencies, dot-folders and
 * the output folder are not watched). Each run compiles in a warm child (warm-compiler.ts: the
 * compiler stays loaded, only the config is imported again, every file of it fresh), with the
 * isolation of isolate.ts; a mistake is reported as diagnostics and leaves dist/ as it was, and
 * dist/ is written atomically with only the changed files (write.ts), an unchanged file known by
 * a stat of what this watch wrote rather than read back (dist-memory.ts). Runs never overlap: saves
 * during a run start one more run after it.
 */
export function watchSynth(options: SynthOptions, onResult: (result: SynthResult, trigger: string | undefined, ms: number) => void): WatchHandle {
  const root = dirname(resolve(options.configPath));
  const out = resolve(options.distDir);
  const watchers = new Map<string, FSWatcher>();
  let running: Promise<void> | undefined;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const compiler = new WarmCompiler();
  // What this watch wrote: the next run tells an unchanged file by a stat, without reading it.
  const memory = new DistMemory(options.distDir);

  const run = (trigger: string | undefined): void => {
    if (running) {
      pending = trigger ?? pending ?? '';
      return;
    }
    const started = performance.now();
    running = compiler
      .compile(options.configPath, options)
      .then((compiled) => {
        const result = writeCompiled(compiled, { ...options, known: memory });
        if (result.wrote) memory.wrote(compiled.files, result.changes);
        return result;
      })
      .then((result) => {
        if (!closed) onResult(result, trigger, performance.now() - started);
      })
      // A Weft bug must not end the watch: say so and wait for the next save.
      .catch((error: unknown) => {
        process.stderr.write(`weft synth: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      })
      .finally(() => {
        running = undefined;
        if (!closed) watchTree(root); // folders created meanwhile
        if (pending !== undefined && !closed) {
          const next = pending;
          pending = undefined;
          run(next);
        }
      });
  };

  const changed = (dir: string, name: string | null): void => {
    if (closed || !name || !SOURCE_EXTENSIONS.has(extname(name))) return;
    const file = join(dir, name);
    if (isInside(file, out)) return;
    clearTimeout(timer);
    timer = setTimeout(() => run(relative(root, file)), SETTLE_MS);
  };

  const watchTree = (dir: string): void => {
    if (watchers.size >= MAX_FOLDERS || isInside(dir, out) || watchers.has(dir)) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    try {
      const watcher = watch(dir, (_event, name) => changed(dir, name === null ? null : String(name)));
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(dir);
      });
      watchers.set(dir, watcher);
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && !SKIPPED.has(e.name)) watchTree(join(dir, e.name));
  };

  watchTree(root);
  run(undefined);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
      await running;
      compiler.close();
    },
  };
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder + sep);
}
