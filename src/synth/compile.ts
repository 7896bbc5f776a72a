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
import { OverlayEmitter } from './overlay-emit';
import { TargetFiles } from './target-files';

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
      const check = options.schemaCheck !== false;
      // The overlay is emitted beside the environment, target by target (overlay-emit.ts), and
      // only while nothing has failed: an error there would only repeat one already reported.
      const overlay = options.verificationOverlay !== false && !hasErrors(reporter.diagnostics) ? new OverlayEmitter(verificationModel(model, env.name, WEFT_VERSION), env, targets, emit, check) : undefined;
      emitEnvironment(model, env, targets, reporter, emit, check, patcher, overlay);
      overlay?.errorsFor(reporter);
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
 * sidecars and labels it returns), so that no target imports another. With `overlay`, each
 * target's verification-overlay objects are emitted right after the environment's and paired
 * with them by path (overlay-emit.ts).
 */
function emitEnvironment(model: MeshModel, env: Environment, targets: readonly Target[], reporter: Reporter, emit: FileSink, check: boolean, patcher: ObjectPatcher, overlay?: OverlayEmitter): void {
  // With an overlay, parts of objects the overlay would build again from the same inputs are
  // recorded for it to take (src/targets/emit-memo.ts).
  const ctx = emitContext(model, env, reporter.report, { targets, shared: overlay?.memo.record });
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
  // One target at a time, in a function of its own: its objects and paths live only in that
  // call's frame, so that the next target is emitted after they became garbage (held in a loop
  // body's registers, a target's output stayed alive through the next target's emit).
  const emitTarget = (target: Target) => {
    const out = target.emit(ctx);
    // The user's JSON patches (mesh.patch), before the schema check validates the result.
    patcher.apply(env.name, target.name, out.manifests);
    if (check) for (const d of schemaCheck(out.manifests, env.name, (m) => manifestSource(ctx.model, m)).diagnostics) reporter.add(d);
    // The overlay's objects of the same target take the text of those that are the same value.
    const twin = overlay?.emitTarget(target);
    const written = new TargetFiles(emit, collision);
    for (const manifest of out.manifests) {
      const path = manifestPath(env.name, target.name, manifest);
      const content = written.put(path, () => manifestYaml(manifest), `${manifest.kind} ${manifest.metadata.name}`);
      if (content !== undefined) twin?.offerManifest(path, manifest, content);
    }
    for (const file of out.files ?? []) {
      const path = `${env.name}/${target.name}/${file.path}`;
      const content = written.put(path, () => jsonFileText(file.json));
      if (content !== undefined) twin?.offerFile(path, file, content);
    }
    twin?.finish();
    overlay?.memo.clear();
  };
  for (const target of targets) if (target.appliesTo(env)) emitTarget(target);
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
