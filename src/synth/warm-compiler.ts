import type { ChildProcess } from 'node:child_process';
import type { CompiledConfig } from './compile-config';
import { DEFAULT_CHILD_MODE, DEFAULT_LOAD_TIMEOUT_MS, exchange, forkCompileChild, type ChildMode, type IsolateOptions } from './isolate';

/**
 * Runs served by one child before it is replaced: every load leaves the config's modules in
 * the child's module cache (ES modules cannot be unloaded), so a long watch session recycles it.
 */
const RUNS_PER_CHILD = 50;

/**
 * The compile child of `weft synth --watch`, kept warm between saves: the compiler is loaded
 * once, and each run only re-imports mesh.config.ts (its files under a fresh `?weft-load=N`
 * query, public-api-hook.mjs, so an edited import is never served from the module cache) and
 * compiles. The isolation of isolate.ts holds run by run: a config that hangs is killed after
 * its bound and one that exits is reported, each as its diagnostic, and the next run gets a
 * fresh child; a child is also replaced after RUNS_PER_CHILD runs, and a replacement is
 * started as soon as the old one is gone, so that the next save finds it loaded.
 */
export class WarmCompiler {
  #mode: ChildMode;
  #child: ChildProcess | undefined;
  #runs = 0;
  #closed = false;

  constructor(mode: ChildMode = DEFAULT_CHILD_MODE) {
    this.#mode = mode;
    this.#child = this.#start();
  }

  async compile(configPath: string, options: IsolateOptions = {}): Promise<CompiledConfig> {
    const { loadTimeoutMs = DEFAULT_LOAD_TIMEOUT_MS, ...compileOptions } = options;
    const child = this.#child ?? this.#start();
    this.#child = child;
    const outcome = await exchange(child, { configPath, options: compileOptions, keep: true }, loadTimeoutMs);
    if (outcome.kind === 'source-mode') {
      // The config imports a Weft source file: from now on this watch compiles from the sources.
      this.#mode = 'source';
      this.#replace(child);
      return this.compile(configPath, options);
    }
    this.#runs++;
    if (!outcome.alive || this.#runs >= RUNS_PER_CHILD) this.#replace(child);
    return outcome.result;
  }

  /** Stops the child. */
  close(): void {
    this.#closed = true;
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
  }

  #start(): ChildProcess {
    const child = forkCompileChild(this.#mode, true);
    // A child that ends while it waits (an error thrown by a config's timer between runs) is
    // replaced at the next run.
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    return child;
  }

  #replace(child: ChildProcess): void {
    child.kill('SIGKILL');
    this.#runs = 0;
    this.#child = this.#closed ? undefined : this.#start();
  }
}
