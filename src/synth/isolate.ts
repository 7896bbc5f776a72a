import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Diagnostic } from '../diagnostics/diagnostic';
import type { CompileOptions } from './compile';
import type { CompiledConfig } from './compile-config';

/** @default 30 s: a config that has not finished a phase by then is stopped. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

export interface IsolateOptions extends Omit<CompileOptions, 'onFile'> {
  /** Bound on the phases of the child where the config's code runs (load, building the model, settle); the emit's is COMPILE_BOUND_MS, or this when longer. @default DEFAULT_LOAD_TIMEOUT_MS */
  loadTimeoutMs?: number;
  /**
   * Let the child compare the files with dist/ and stage the changed ones as it emits them
   * (write.ts `DistStage`), instead of sending them: the result then has `staged`, no `files`.
   * The caller owns `staging` and removes it whatever happens (synth.ts).
   */
  output?: StageRequest;
}

/** Where the child stages its output: dist/, the staging folder beside it, and whether to compare only (`--check`). */
export interface StageRequest {
  distDir: string;
  staging: string;
  dryRun: boolean;
}

/** @internal The parent's request to isolate-child.ts. */
export interface ChildRequest {
  configPath: string;
  options: Omit<CompileOptions, 'onFile'>;
  /** Stage the output beside dist/ instead of sending it (IsolateOptions.output). */
  output?: StageRequest;
  /** Wait for another request after this one (the warm child of `--watch`). */
  keep?: boolean;
}

/** @internal What isolate-child.ts reports, in order. */
export type ChildMessage =
  /** `compiling`: the model is built from the constructs (the config's escape-hatch charts run); `emitting`: Weft's own work from the model. */
  | { phase: 'loading' | 'compiling' | 'emitting' | 'settling' }
  /** Part of the result's files, sent before `done` (whose `files` is then empty). */
  | { phase: 'files'; entries: [path: string, content: string][] }
  | { phase: 'done'; result: CompiledConfig }
  /** The precompiled child cannot load this config (it imports a Weft source file): compile from the sources. */
  | { phase: 'source-mode'; file: string };

/** Bound on the child's own startup, before it runs the config. */
const STARTUP_BOUND_MS = 120_000;

/**
 * Bound on the emit, once the model is built (the child's `emitting` phase): Weft's own work,
 * which grows with the mesh (10,000 services take ~30 s on an idle 2-core machine,
 * docs/performance.md), so the config's bound (30 s by default) must not stop it. No code of the
 * config runs there: its constructs validated their props as it built them, and its escape-hatch
 * charts (tokens, cdk8s validations) ran while the model was built, under the config's bound.
 * This bound only ends a Weft bug that hangs instead of failing; `--load-timeout` raises it when
 * set higher.
 */
export const COMPILE_BOUND_MS = 15 * 60_000;

/**
 * How the child runs Weft: `precompiled` runs lib/weft-compiler.cjs through compile-child.mjs
 * (only mesh.config.ts goes through tsx), `source` runs the TypeScript sources through tsx.
 * The precompiled CLI (src/cli/launch.mjs) defines WEFT_CLI_ENTRY as "bundle" at build time.
 */
export type ChildMode = 'precompiled' | 'source';
export const DEFAULT_CHILD_MODE: ChildMode = process.env.WEFT_CLI_ENTRY === 'bundle' ? 'precompiled' : 'source';

const SOURCE_CHILD = fileURLToPath(new URL('./source-child.ts', import.meta.url));
const PRECOMPILED_CHILD = fileURLToPath(new URL('./compile-child.mjs', import.meta.url));
const COMPILER_BUNDLE = fileURLToPath(new URL('../../lib/weft-compiler.cjs', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * V8 flags of every one-shot compile child (the same for the child that writes the code cache
 * and the one that reads it: V8 rejects a cache made under other flags). Between two full GCs V8 lets
 * a heap grow by a factor it picks from GC and allocation speed, up to 4× the live size when
 * the heap limit is 2 GB or more (heap-controller.cc, MaxGrowingFactor; here the limit is 4 GB):
 * a compile of 10,000 services peaked at 2.6 GB of RSS for about 1 GB live. A fixed factor of
 * 1.25 bounds the headroom for more full GCs (docs/performance.md, "Peak memory at 10,000
 * services"). Node 20 and 24 both take the flag (`node --v8-options`).
 *
 * A semi-space of up to 32 MiB instead of 16 (the young generation is three of them, so ≤ 96
 * MiB instead of 48): a compile allocates short-lived objects (manifests, their YAML text,
 * the schema check's and the diff's garbage) faster than a 16 MiB nursery lets them die, so
 * scavenges copied and promoted objects that a full GC then had to collect. At 1,000 services
 * that is ~8% of `weft synth`'s user CPU, for 30 MB more peak RSS (118 MB at 10,000 services,
 * still well under 1.5 GB): docs/performance.md, "Schema check and young generation". V8 grows
 * the semi-space from 1 MiB as survival warrants, so the example's child does not pay for it.
 * @see https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib
 */
export const COMPILE_CHILD_V8_FLAGS: readonly string[] = ['--heap-growing-percent=25', '--max-semi-space-size=32', ...tierUpFlags(process.versions.v8)];

/**
 * A later tier-up to V8's optimizing compilers in the compile child. A compile is a few seconds
 * of code that runs once per object; with V8's default budgets TurboFan compiled hundreds of
 * functions on the helper threads, ~19% of `weft synth`'s CPU at 1,000 services on Node 20
 * (`perf record`: 1.9 s on four helper threads), on the core that also runs the staging thread.
 * With a 16× budget the hot loops are still optimized, and the rest stays in Ignition/Sparkplug:
 * 1,000 services on Node 20, user CPU 4.6–4.8 → 3.8–3.9 s, wall −0.15 to −0.35 s
 * (docs/performance.md, "A later tier-up in the compile child"). The flag differs by V8 version:
 * V8 11.3 (Node 20) counts a byte budget (`--interrupt-budget`, default 66 KiB); V8 13 (Node 24)
 * counts invocations and rejects the older flag. Any other version keeps V8's defaults, since
 * an unknown flag would stop the child from starting.
 * @see https://v8.dev/blog/sparkplug (V8's tiers)
 */
export function tierUpFlags(v8Version: string): string[] {
  const major = Number(v8Version.split('.')[0]);
  if (v8Version.startsWith('11.3.')) return ['--interrupt-budget=1048576'];
  if (major === 13) return ['--invocation-count-for-maglev=2000', '--invocation-count-for-turbofan=15000'];
  return [];
}

/**
 * V8 flags of the warm child of `weft synth --watch` (warm-compiler.ts): none. It re-runs a
 * compile at every save, where a heap kept to 1.25× its live size means more full GCs in each
 * re-synth (the example: ~210 → ~185 ms of CPU per re-synth, docs/performance.md, "Start-up
 * of the compile child, seventh pass"); a watch of a very large mesh peaks higher in exchange.
 * Its code cache is its own (WARM_CODE_CACHE), since V8 rejects a cache made under other flags.
 */
export const WARM_CHILD_V8_FLAGS: readonly string[] = [];
const WARM_CODE_CACHE = fileURLToPath(new URL('../../lib/.cache/watch', import.meta.url));

/** @internal Starts a compile child (`warm`: the one of `--watch`); its output goes to stderr (stdout is reserved for --json). */
export function forkCompileChild(mode: ChildMode, warm = false): ChildProcess {
  const flags = warm ? WARM_CHILD_V8_FLAGS : COMPILE_CHILD_V8_FLAGS;
  const child =
    mode === 'precompiled'
      ? fork(PRECOMPILED_CHILD, warm ? [COMPILER_BUNDLE, WARM_CODE_CACHE] : [COMPILER_BUNDLE], { execArgv: [...process.execArgv, ...flags], serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
      : fork(SOURCE_CHILD, [], { execArgv: ['--import', TSX, ...flags], serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout!.pipe(process.stderr, { end: false });
  child.stderr!.pipe(process.stderr, { end: false });
  // V8 ends a process whose heap is full with SIGABRT after this line on stderr.
  child.stderr!.on('data', (chunk: Buffer) => {
    if (chunk.includes('JavaScript heap out of memory')) OUT_OF_MEMORY.add(child);
  });
  CHILD_MODES.set(child, mode);
  return child;
}

const CHILD_MODES = new WeakMap<ChildProcess, ChildMode>();
const OUT_OF_MEMORY = new WeakSet<ChildProcess>();

/** How one request to a child ended. */
export type Exchange =
  | { kind: 'done'; result: CompiledConfig; /** the child is still running and may serve another request */ alive: boolean }
  | { kind: 'source-mode' };

/**
 * Loads and compiles mesh.config.ts in a child process, so that nothing the file does can
 * take the compiler down or leave dist/ half-written: a throw of any value, a late rejection
 * or a throw from a timer, a top-level await that never settles, an endless loop (stopped
 * after `loadTimeoutMs`), `process.exit`. Each ends as a coded diagnostic; the caller writes
 * dist/ only from a complete result.
 */
export async function compileIsolated(configPath: string, options: IsolateOptions = {}, mode: ChildMode = DEFAULT_CHILD_MODE): Promise<CompiledConfig> {
  const { loadTimeoutMs = DEFAULT_LOAD_TIMEOUT_MS, output, ...compileOptions } = options;
  const request: ChildRequest = { configPath, options: compileOptions, ...(output ? { output } : {}) };
  const first = await exchange(forkCompileChild(mode), request, loadTimeoutMs);
  if (first.kind === 'done') return first.result;
  const fromSource = await exchange(forkCompileChild('source'), request, loadTimeoutMs);
  return fromSource.kind === 'done' ? fromSource.result : fail(exited(configPath, 'the compiler asked twice to run from the sources'));
}

const fail = (diagnostic: Diagnostic): CompiledConfig => ({ diagnostics: [diagnostic], files: new Map(), environments: [] });

/**
 * Sends one request to a child and waits for its result, bounding each phase. A child that
 * misses a bound is killed; one that exits early is reported; either way `alive` is false.
 */
export function exchange(child: ChildProcess, request: ChildRequest, loadTimeoutMs: number = DEFAULT_LOAD_TIMEOUT_MS): Promise<Exchange> {
  const { configPath } = request;
  return new Promise((resolvePromise) => {
    let phase: ChildMessage['phase'] | 'starting' = 'starting';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('error', onError);
      child.off('exit', onExit);
      resolvePromise(outcome);
    };
    const failWith = (diagnostic: Diagnostic) => finish({ kind: 'done', result: fail(diagnostic), alive: false });
    // Node and the TypeScript loader starting up are not the config's time: on a loaded machine
    // that alone can take seconds. The bound on each phase starts when the child reports it.
    const arm = (ms = loadTimeoutMs) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        failWith(timedOut(configPath, phase, ms));
      }, ms);
    };
    arm(Math.max(loadTimeoutMs, STARTUP_BOUND_MS));
    const stages = stageClock(child);
    const files = new Map<string, string>();
    const onMessage = (message: ChildMessage) => {
      if (message.phase === 'files') {
        for (const [path, content] of message.entries) files.set(path, content);
        arm(); // each chunk is progress: the bound is on a stall, not on the size of the output
        return;
      }
      stages.reached(message.phase);
      phase = message.phase;
      if (message.phase === 'done') {
        for (const [path, content] of message.result.files) files.set(path, content);
        finish({ kind: 'done', result: { ...message.result, files }, alive: Boolean(request.keep) && child.exitCode === null });
      }
      else if (message.phase === 'source-mode') finish({ kind: 'source-mode' });
      else arm(message.phase === 'emitting' ? Math.max(loadTimeoutMs, COMPILE_BOUND_MS) : loadTimeoutMs);
    };
    const onError = (error: Error) => failWith(exited(configPath, `could not run it: ${error.message}`));
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      // The stderr line that says so may still be in the pipe when the exit is seen.
      setImmediate(() =>
        failWith(
          OUT_OF_MEMORY.has(child)
            ? outOfMemory(configPath)
            : exited(configPath, signal ? `the process was ended by ${signal}` : `the process exited with code ${code} (process.exit)`),
        ),
      );
    child.on('message', onMessage);
    child.on('error', onError);
    child.on('exit', onExit);
    child.send(request);
  });
}

/**
 * With `WEFT_SYNTH_STAGES=1` in the environment, the time until each phase of the child
 * starts (since this process started) goes to stderr as one JSON line, `weft-stages {...}`,
 * with the kind of child (`"child":"precompiled"` or `"source"`) and its pid: what `npm run bench -- synth`
 * reports per stage. Off by default.
 */
function stageClock(child: ChildProcess): { reached(phase: string): void } {
  if (process.env.WEFT_SYNTH_STAGES !== '1') return { reached: () => {} };
  const at: Record<string, number | string> = { child: CHILD_MODES.get(child) ?? 'source', pid: child.pid ?? 0, forked: performance.now() };
  return {
    reached(phase) {
      at[phase] = performance.now();
      if (phase === 'done' || phase === 'source-mode') process.stderr.write(`weft-stages ${JSON.stringify(at)}\n`);
    },
  };
}

function timedOut(file: string, phase: string, ms: number): Diagnostic {
  if (phase === 'starting') return { code: 'WEFT020', severity: 'error', message: `the compiler's child process did not start within ${ms / 1000} s`, path: '', location: { file, line: 1, column: 1 }, hint: 'the machine is overloaded; run synth again' };
  const what = phase === 'settling' ? 'kept running after it had loaded (an open timer, socket or interval)' : phase === 'compiling' ? 'did not finish compiling' : 'did not finish loading';
  if (phase === 'emitting') {
    return {
      code: 'WEFT020',
      severity: 'error',
      message: `the compile of mesh.config.ts did not finish within ${ms / 1000} s and was stopped`,
      path: '',
      location: { file, line: 1, column: 1 },
      hint: 'the config had loaded, so this is Weft itself: for a very large mesh raise the bound with --load-timeout SECONDS; otherwise please report it with the config',
    };
  }
  return {
    code: 'WEFT020',
    severity: 'error',
    message: `mesh.config.ts ${what} within ${ms / 1000} s and was stopped`,
    path: '',
    location: { file, line: 1, column: 1 },
    hint: 'look for an endless loop, a promise that never settles or a timer left running; raise the bound with --load-timeout SECONDS if the file is just slow',
  };
}

/**
 * A mesh so large (or a config so hungry) that the child reached V8's heap limit: not the
 * config's fault in the sense of WEFT021, and fixable by the user.
 * @see https://nodejs.org/api/cli.html#--max-old-space-sizesize-in-mib
 */
function outOfMemory(file: string): Diagnostic {
  return {
    code: 'WEFT050',
    severity: 'error',
    message: "the compiler ran out of memory (it reached Node's JavaScript heap limit) while compiling mesh.config.ts",
    path: '',
    location: { file, line: 1, column: 1 },
    hint: 'raise the limit, e.g. NODE_OPTIONS=--max-old-space-size=4096 npm run synth (the compile child inherits NODE_OPTIONS); meshes of several thousand services can need more than the default heap',
  };
}

function exited(file: string, how: string): Diagnostic {
  return {
    code: 'WEFT021',
    severity: 'error',
    message: `mesh.config.ts ended the compiler before it was done: ${how}`,
    path: '',
    location: { file, line: 1, column: 1 },
    hint: 'remove process.exit (and process.kill) from mesh.config.ts; throw an Error to stop with a message',
  };
}
