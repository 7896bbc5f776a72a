/**
 * The child process of `compileIsolated` (isolate.ts): runs the user's mesh.config.ts and the
 * compile, then reports to the parent over IPC. It tells the parent when each phase starts, so
 * that the parent can bound each one, and sends the result only once the event loop is empty
 * (`beforeExit`): a timer the config left behind has run by then, and if it threw, the config
 * failed — before anything was written.
 */
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic';
import { compileMesh, type CompiledConfig } from './compile-config';
import { describeThrown, loadMeshConfig } from './load';
import type { ChildMessage, ChildRequest } from './isolate';

let late: { error: unknown } | undefined;
let result: CompiledConfig | undefined;
let configFile = '';

const send = (message: ChildMessage, then?: () => void) => process.send!(message, undefined, undefined, then);

// A throw from a timer or a late promise rejection of the config: remembered, reported at the end.
process.on('uncaughtException', (error) => {
  late ??= { error };
});
process.on('unhandledRejection', (error) => {
  late ??= { error };
});

let loading = false;
// The event loop emptied while the config's module still awaited: its top-level await never settles.
process.on('beforeExit', () => {
  if (!loading) return;
  loading = false;
  const stuck: Diagnostic = {
    code: 'WEFT020',
    severity: 'error',
    message: 'mesh.config.ts awaits a promise at the top level that never settles',
    path: '',
    location: { file: configFile, line: 1, column: 1 },
    hint: 'every top-level `await` in mesh.config.ts must resolve or reject',
  };
  send({ phase: 'done', result: { diagnostics: [stuck], files: new Map(), environments: [] } }, () => process.exit(0));
});

process.once('message', async (request: ChildRequest) => {
  configFile = request.configPath;
  send({ phase: 'loading' });
  loading = true;
  const loaded = await loadMeshConfig(request.configPath);
  loading = false;
  send({ phase: 'compiling' });
  result = loaded.mesh ? await compileMesh(loaded.mesh, request.options) : { diagnostics: loaded.diagnostics, files: new Map(), environments: [] };
  send({ phase: 'settling' });
  process.once('beforeExit', finish);
});

function finish(): void {
  if (late) {
    const thrown = describeThrown(late.error, configFile);
    const failure: Diagnostic = {
      code: 'WEFT022',
      severity: 'error',
      message: `mesh.config.ts failed after it had loaded (a timer or a promise rejected later): ${thrown.text}`,
      path: '',
      location: { file: configFile, ...(thrown.at ?? { line: 1, column: 1 }) },
      hint: 'await every promise at the top level of mesh.config.ts and leave no timers behind; the config must be complete when its module has run',
    };
    result = { diagnostics: sortDiagnostics([failure, ...(result?.diagnostics ?? [])]), files: new Map(), environments: [] };
  }
  send({ phase: 'done', result: result! }, () => process.exit(0));
}
