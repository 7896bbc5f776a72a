import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Diagnostic } from '../diagnostics/diagnostic';
import type { CompileOptions } from './compile';
import type { CompiledConfig } from './compile-config';

/** @default 30 s: a config that has not finished a phase by then is stopped. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

export interface IsolateOptions extends CompileOptions {
  /** Bound on each phase (load, compile, settle) of the child. @default DEFAULT_LOAD_TIMEOUT_MS */
  loadTimeoutMs?: number;
}

/** @internal The parent's request to isolate-child.ts. */
export interface ChildRequest {
  configPath: string;
  options: CompileOptions;
}

/** @internal What isolate-child.ts reports, in order. */
export type ChildMessage = { phase: 'loading' | 'compiling' | 'settling' } | { phase: 'done'; result: CompiledConfig };

/** Bound on the child's own startup, before it runs the config. */
const STARTUP_BOUND_MS = 120_000;

const CHILD = fileURLToPath(new URL('./isolate-child.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Loads and compiles mesh.config.ts in a child process, so that nothing the file does can
 * take the compiler down or leave dist/ half-written: a throw of any value, a late rejection
 * or a throw from a timer, a top-level await that never settles, an endless loop (stopped
 * after `loadTimeoutMs`), `process.exit`. Each ends as a coded diagnostic; the caller writes
 * dist/ only from a complete result.
 */
export function compileIsolated(configPath: string, options: IsolateOptions = {}): Promise<CompiledConfig> {
  const { loadTimeoutMs = DEFAULT_LOAD_TIMEOUT_MS, ...compileOptions } = options;
  return new Promise((resolvePromise) => {
    // The config's console output goes to stderr: stdout is reserved for --json.
    const child = fork(CHILD, [], { execArgv: ['--import', TSX], serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.pipe(process.stderr, { end: false });
    child.stderr!.pipe(process.stderr, { end: false });
    let phase: ChildMessage['phase'] | 'starting' = 'starting';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: CompiledConfig) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(result);
    };
    const fail = (diagnostic: Diagnostic) => finish({ diagnostics: [diagnostic], files: new Map(), environments: [] });
    // Node and the TypeScript loader starting up are not the config's time: on a loaded machine
    // that alone can take seconds. The bound on each phase starts when the child reports it.
    const arm = (ms = loadTimeoutMs) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(timedOut(configPath, phase, ms));
      }, ms);
    };
    arm(Math.max(loadTimeoutMs, STARTUP_BOUND_MS));
    const stages = stageClock();
    child.on('message', (message: ChildMessage) => {
      stages.reached(message.phase);
      phase = message.phase;
      if (message.phase === 'done') finish(message.result);
      else arm();
    });
    child.on('error', (error) => fail(exited(configPath, `could not run it: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (settled) return;
      fail(exited(configPath, signal ? `the process was ended by ${signal}` : `the process exited with code ${code} (process.exit)`));
    });
    child.send({ configPath, options: compileOptions } satisfies ChildRequest);
  });
}

/**
 * With `WEFT_SYNTH_STAGES=1` in the environment, the time until each phase of the child
 * starts (since this process started) goes to stderr as one JSON line, `weft-stages {...}`:
 * what `npm run bench -- synth` reports per stage. Off by default.
 */
function stageClock(): { reached(phase: string): void } {
  if (process.env.WEFT_SYNTH_STAGES !== '1') return { reached: () => {} };
  const at: Record<string, number> = { forked: performance.now() };
  return {
    reached(phase) {
      at[phase] = performance.now();
      if (phase === 'done') process.stderr.write(`weft-stages ${JSON.stringify(at)}\n`);
    },
  };
}

function timedOut(file: string, phase: string, ms: number): Diagnostic {
  if (phase === 'starting') return { code: 'WEFT020', severity: 'error', message: `the compiler's child process did not start within ${ms / 1000} s`, path: '', location: { file, line: 1, column: 1 }, hint: 'the machine is overloaded; run synth again' };
  const what = phase === 'settling' ? 'kept running after it had loaded (an open timer, socket or interval)' : phase === 'compiling' ? 'did not finish compiling' : 'did not finish loading';
  return {
    code: 'WEFT020',
    severity: 'error',
    message: `mesh.config.ts ${what} within ${ms / 1000} s and was stopped`,
    path: '',
    location: { file, line: 1, column: 1 },
    hint: 'look for an endless loop, a promise that never settles or a timer left running; raise the bound with --load-timeout SECONDS if the file is just slow',
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
