/**
 * The child process of `compileIsolated` (isolate.ts): runs the user's mesh.config.ts and the
 * compile, then reports to the parent over IPC. It tells the parent when each phase starts, so
 * that the parent can bound each one, and sends the result only once the event loop is empty
 * (`beforeExit`): a timer the config left behind has run by then, and if it threw, the config
 * failed — before anything was written.
 *
 * A request with `keep` (the warm child of `weft synth --watch`) leaves the process waiting for
 * the next request instead of exiting. Waiting needs the IPC channel referenced, and Node
 * references it exactly while a `message` listener is registered
 * (@see https://nodejs.org/api/process.html#event-message), so the listener is added only after a
 * result is sent: while a request runs the channel is unreferenced and `beforeExit` still means
 * "the config left nothing running". An error thrown while the child waits (a config's unref'd
 * timer) ends the child; the parent starts a fresh one for the next run.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic';
import { compileMesh, type CompiledConfig } from './compile-config';
import { describeThrown, loadMeshConfig, type ConfigImporter } from './load';
import type { ChildMessage, ChildRequest } from './isolate';
import { cannotWrite, DistStage } from './write';
import type { FileSink } from './compile';

/** Files per IPC message of a result (see sendFiles). */
const FILES_PER_MESSAGE = 2000;

export interface ServeOptions {
  /**
   * How mesh.config.ts is imported. The precompiled child (compile-child.mjs) bundles it
   * (config-bundle.ts), and a config that imports a Weft source file other than the public API
   * (which its compiler bundle has no module for) makes the parent compile from the sources.
   * @default a native import under a fresh `?weft-load=N` URL (through tsx in the source child)
   */
  importConfig?: ConfigImporter;
}

/** Serves compile requests from the parent until one without `keep` is done. */
export function serveCompileRequests(options: ServeOptions = {}): void {
  let late: { error: unknown } | undefined;
  let active: { configFile: string; loading: boolean } | undefined;

  const send = (message: ChildMessage, then?: () => void) => process.send!(message, undefined, undefined, then);

  // A throw from a timer or a late promise rejection of the config: remembered, reported at the end.
  const onLate = (error: unknown) => {
    if (!active) process.exit(70); // between runs of a warm child: this process is no longer clean
    late ??= { error };
  };
  process.on('uncaughtException', onLate);
  process.on('unhandledRejection', onLate);

  // The event loop emptied while the config's module still awaited: its top-level await never settles.
  process.on('beforeExit', () => {
    if (!active?.loading) return;
    active.loading = false;
    const stuck: Diagnostic = {
      code: 'WEFT020',
      severity: 'error',
      message: 'mesh.config.ts awaits a promise at the top level that never settles',
      path: '',
      location: { file: active.configFile, line: 1, column: 1 },
      hint: 'every top-level `await` in mesh.config.ts must resolve or reject',
    };
    send({ phase: 'done', result: { diagnostics: [stuck], files: new Map(), environments: [] } }, () => process.exit(0));
  });

  const serve = async (request: ChildRequest) => {
    late = undefined;
    active = { configFile: request.configPath, loading: true };
    send({ phase: 'loading' });
    const loaded = await loadMeshConfig(request.configPath, options.importConfig);
    active.loading = false;
    if (loaded.deepImport !== undefined) {
      send({ phase: 'source-mode', file: loaded.deepImport }, () => process.exit(0));
      return;
    }
    send({ phase: 'compiling' });
    // The compile may import a module (typescript, for field locations): in Node 20 an import
    // through loader hooks can leave the event loop momentarily empty, and `beforeExit` would
    // end the child mid-compile. The config has run by now; only its timers count from here.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const output = request.output ? stageOutput(request) : undefined;
    // A one-shot child never uses the Mesh again, so its construct tree is let go once the model
    // is built (compileMesh). A warm child keeps it: a module the config imports from a package
    // is not evaluated again, and a Mesh it holds must stay whole for the next run.
    // Sent, not only queued, before the emit's synchronous run starts (isolate.ts COMPILE_BOUND_MS).
    const onModelBuilt = () => new Promise<void>((sent) => send({ phase: 'emitting' }, sent));
    const compiled = loaded.mesh ? await compileMesh(loaded.mesh, { ...request.options, onFile: output?.onFile, releaseConstructs: !request.keep, onModelBuilt }) : { diagnostics: loaded.diagnostics, files: new Map(), environments: [] };
    const result = output ? await output.staged(compiled) : compiled;
    clearInterval(keepAlive);
    send({ phase: 'settling' });
    process.once('beforeExit', () => finish(request, result));
  };

  const finish = (request: ChildRequest, compiled: CompiledConfig) => {
    let result = compiled;
    if (late) {
      const thrown = describeThrown(late.error, request.configPath);
      const failure: Diagnostic = {
        code: 'WEFT022',
        severity: 'error',
        message: `mesh.config.ts failed after it had loaded (a timer or a promise rejected later): ${thrown.text}`,
        path: '',
        location: { file: request.configPath, ...(thrown.at ?? { line: 1, column: 1 }) },
        hint: 'await every promise at the top level of mesh.config.ts and leave no timers behind; the config must be complete when its module has run',
      };
      result = { diagnostics: sortDiagnostics([failure, ...compiled.diagnostics]), files: new Map(), environments: [] };
    }
    active = undefined;
    void sendFiles(result.files).then(() => {
      const done: CompiledConfig = { ...result, files: new Map() };
      if (!request.keep) {
        send({ phase: 'done', result: done }, () => process.exit(0));
        return;
      }
      send({ phase: 'done', result: done });
      process.once('message', (next: ChildRequest) => void serve(next));
    });
  };

  /**
   * The files go in chunks, each sent once the previous one has been written to the channel:
   * one message with every file would hold a second, serialized copy of the whole output in
   * each process at once (about 800 MB at 10,000 services).
   */
  const sendFiles = async (files: ReadonlyMap<string, string>) => {
    const entries = [...files];
    for (let i = 0; i < entries.length; i += FILES_PER_MESSAGE) {
      const chunk = entries.slice(i, i + FILES_PER_MESSAGE);
      await new Promise<void>((sent) => send({ phase: 'files', entries: chunk }, sent));
    }
  };

  process.once('message', (request: ChildRequest) => void serve(request));
}

/**
 * The streaming output of `weft synth` (IsolateOptions.output): each file is compared with
 * dist/ and, when changed, written to the staging folder as soon as it is serialized, so that neither this process nor the parent ever holds the whole output (at
 * 10,000 services, 423,000 files). The parent commits the staging folder only for a result
 * without errors, and removes it otherwise. A file that cannot be staged (a full disk, no
 * permission) is WEFT051, not a crash.
 */
function stageOutput(request: ChildRequest): { onFile: FileSink; staged: (compiled: CompiledConfig) => Promise<CompiledConfig> } {
  const { distDir, staging, dryRun } = request.output!;
  // The files are compared and written on a second thread while this one compiles (stage-thread.ts).
  const stage = new DistStage(distDir, { environments: request.options.environments, staging, dryRun, thread: true });
  let failure: unknown;
  return {
    onFile(path, content) {
      if (failure !== undefined) return;
      try {
        stage.offer(path, content);
      } catch (error) {
        failure = error;
      }
    },
    async staged(compiled) {
      // The thread finishes what it was given either way, so that nothing writes into the
      // staging folder once this child has answered (its parent removes the folder on errors).
      const settled = stage.settle().catch((error: unknown) => {
        failure ??= error;
      });
      await settled;
      if (hasErrors(compiled.diagnostics)) return compiled;
      if (failure === undefined) {
        try {
          return { ...compiled, staged: { staging, changes: stage.changes() } };
        } catch (error) {
          failure = error;
        }
      }
      return { ...compiled, diagnostics: sortDiagnostics([...compiled.diagnostics, cannotWrite(distDir, failure)]) };
    },
  };
}
