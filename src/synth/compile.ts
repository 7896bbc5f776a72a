import { analyze } from '../analyze/index';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic';
import { Reporter, type Report } from '../diagnostics/reporter';
import type { Environment, MeshModel } from '../model/mesh';
import { withModelMemo } from '../model/memo';
import { TARGETS } from '../targets/index';
import type { Target } from '../targets/target';
import { emitContext } from './emit-context';
import { codeRegistry } from './registry';
import { manifestPath, manifestYaml } from './serialize';
import { schemaCheck } from './schema-check';
import { jsonFileText } from './stable-json';
import { ObjectPatcher } from './object-patches';
import { verificationModel } from '../verify/overlay/model';
import { WEFT_VERSION } from '../targets/weft/constants';
import { manifestSource } from './manifest-source';

export interface CompileOptions {
  /** Only these environments. @default all */
  environments?: string[];
  /** @default TARGETS */
  targets?: readonly Target[];
  /** Run the schema check on emitted objects. @default true */
  schemaCheck?: boolean;
  /** Also emit `verify/<env>/`, the verification overlay (src/verify/overlay/model.ts). @default true */
  verificationOverlay?: boolean;
  /**
   * Receives each file as soon as it is serialized, instead of the result's `files` (which
   * stays empty): `weft synth` stages it in dist/'s staging folder at once, so that a large
   * mesh's output never lives in memory (isolate-child.ts). Each path comes once. A caller must
   * not use what it received when the result has errors.
   */
  onFile?: FileSink;
}

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** `dist/`-relative path → file content, in a stable order. Empty when there are errors. */
  files: Map<string, string>;
  /** Environments that were compiled. */
  environments: string[];
}

/**
 * model → analyze → emit (per environment and target) → schema-check → serialized files.
 * Pure: it writes nothing. Any error-level diagnostic empties `files`, so a caller can never
 * write a partial result. Targets return objects; this is where they become bytes.
 */
export function compileModel(model: MeshModel, options: CompileOptions = {}): CompileResult {
  const targets = options.targets ?? TARGETS;
  const reporter = new Reporter(codeRegistry(undefined, targets));
  for (const d of analyze(model)) reporter.add(d);
  const wanted = options.environments;
  for (const name of wanted ?? []) {
    if (!model.environments.some((e) => e.name === name)) {
      reporter.report(
        'WEFT004',
        { path: model.name },
        `environment "${name}" is not declared`,
        `declare it in the Mesh's environments, or use one of: ${model.environments.map((e) => e.name).join(', ')}`,
      );
    }
  }
  const environments = model.environments.filter((e) => !wanted || wanted.includes(e.name));
  const files = new Map<string, string>();
  const emit: FileSink = options.onFile ?? ((path, content) => files.set(path, content));
  const patcher = new ObjectPatcher(model.patches ?? [], reporter.report);
  // Model indexes (host canonicalisation, callers, …) are built once per environment's model.
  withModelMemo(() => {
    for (const env of environments) {
      emitEnvironment(model, env, targets, reporter, emit, options.schemaCheck !== false, patcher);
      if (options.verificationOverlay !== false) emitVerificationOverlay(model, env, targets, reporter, emit, options.schemaCheck !== false);
    }
  });
  patcher.reportUnmatched(environments.map((e) => e.name), model.environments.map((e) => e.name));
  unemittedFeatures(model, targets, reporter.report);
  const sorted = sortDiagnostics(reporter.diagnostics);
  return {
    diagnostics: sorted,
    files: hasErrors(sorted) ? new Map() : new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    environments: environments.map((e) => e.name),
  };
}

/** Where each serialized file goes. */
export type FileSink = (path: string, content: string) => void;

/**
 * Every target that applies to one environment, each file handed to `emit` as soon as it is
 * serialized, so that only a target's objects (not their text) live until the target is done. The
 * environment's mesh target answers `wiring` for every target (the Kubernetes target adds the
 * sidecars and labels it returns), so that no target imports another.
 */
function emitEnvironment(model: MeshModel, env: Environment, targets: readonly Target[], reporter: Reporter, emit: FileSink, check: boolean, patcher?: ObjectPatcher): void {
  const ctx = emitContext(model, env, reporter.report, { targets });
  const mesh = targets.find((t) => t.name === env.mesh);
  if (!mesh) {
    reporter.report(
      'WEFT006',
      { path: `${model.name}/environments/${env.name}`, location: model.location },
      `environment "${env.name}" uses mesh "${env.mesh}", which this version of Weft cannot emit yet`,
      `use one of the meshes Weft emits: ${targets.map((t) => t.name).filter((n) => n !== 'kubernetes').join(', ')}`,
    );
  }
  // A clash of two objects in one file follows from a duplicate the analyzer has already
  // reported at its line (WEFT110 …); only an unexplained clash is reported, at the mesh.
  const collision = (path: string, what?: string) => {
    if (hasErrors(reporter.diagnostics)) return;
    reporter.report('WEFT007', { path, location: model.location }, `two different objects would be written to ${path}${what ? ` (${what})` : ''}`, 'rename one of the declarations so that their generated names differ');
  };
  for (const target of targets) {
    if (!target.appliesTo(env)) continue;
    const out = target.emit(ctx);
    // The user's JSON patches (mesh.patch), before the schema check validates the result.
    patcher?.apply(env.name, target.name, out.manifests);
    if (check) for (const d of schemaCheck(out.manifests, env.name, (m) => manifestSource(ctx.model, m)).diagnostics) reporter.add(d);
    // Paths never repeat across targets (each has its folder); within one, a path is remembered
    // with how to render its content again, so that a second object for it is compared without
    // keeping every file's text.
    const written = new Map<string, () => string>();
    const put = (path: string, render: () => string, what?: string) => {
      const content = render();
      const earlier = written.get(path);
      if (earlier) {
        if (earlier() !== content) collision(path, what);
        return;
      }
      written.set(path, render);
      emit(path, content);
    };
    for (const manifest of out.manifests) put(manifestPath(env.name, target.name, manifest), () => manifestYaml(manifest), `${manifest.kind} ${manifest.metadata.name}`);
    for (const file of out.files ?? []) put(`${env.name}/${target.name}/${file.path}`, () => jsonFileText(file.json));
  }
}

/**
 * `dist/verify/<env>/`: the environment's own targets applied to the verification overlay's
 * model (echo workloads, probe clients, their gateway; src/verify/overlay/model.ts), schema-
 * checked like the environment. Its warnings repeat the environment's (same declarations), so
 * only errors are kept — and only when the environment itself compiled, since an error there
 * is already reported once.
 */
function emitVerificationOverlay(model: MeshModel, env: Environment, targets: readonly Target[], reporter: Reporter, emit: FileSink, check: boolean): void {
  if (hasErrors(reporter.diagnostics)) return;
  const scratch = new Reporter(codeRegistry(undefined, targets));
  const underVerify: FileSink = (path, content) => emit(`verify/${path}`, content);
  emitEnvironment(verificationModel(model, env.name, WEFT_VERSION), env, targets, scratch, underVerify, check);
  for (const d of scratch.diagnostics) if (d.severity === 'error') reporter.add(d);
}

/**
 * Declarations that no registered target turns into objects yet. Saying so is better than a
 * silent drop: the user sees which part of mesh.config.ts has no effect.
 */
function unemittedFeatures(model: MeshModel, targets: readonly Target[], report: Report): void {
  const has = (name: string) => targets.some((t) => t.name === name);
  if (!has('observability'))
    for (const s of model.services)
      for (const slo of s.observability.slos)
        report(
          'WEFT008',
          slo,
          `SLO "${slo.name}" of service "${s.name}" is part of the model, but no target emits alert rules for it in this release`,
          'keep it: the observability target will compile it into burn-rate alerts; nothing to change now',
        );
}
