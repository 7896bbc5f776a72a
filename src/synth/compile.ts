import { analyze } from '../analyze/index';
import { allCodes } from '../analyze/registry';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../analyze/diagnostic';
import type { MeshModel } from '../model/mesh';
import { ModelIndex, modelForEnvironment } from '../model/query';
import { TARGETS } from '../targets/index';
import type { EmitContext, Manifest, Target } from '../targets/target';
import { manifestPath, manifestYaml } from './serialize';
import { schemaCheck } from './schema-check';

export interface CompileOptions {
  /** Only these environments. @default all */
  environments?: string[];
  /** @default TARGETS */
  targets?: readonly Target[];
  /** Run the schema check on emitted objects. @default true */
  schemaCheck?: boolean;
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
 * write a partial result.
 */
export function compileModel(model: MeshModel, options: CompileOptions = {}): CompileResult {
  const diagnostics: Diagnostic[] = analyze(model);
  const targets = options.targets ?? TARGETS;
  const codes = allCodes();
  const wanted = options.environments;
  for (const name of wanted ?? []) {
    if (!model.environments.some((e) => e.name === name)) {
      diagnostics.push({
        code: 'WEFT004',
        severity: 'error',
        message: `environment "${name}" is not declared`,
        path: model.name,
        hint: `declare it in the Mesh's environments, or use one of: ${model.environments.map((e) => e.name).join(', ')}`,
      });
    }
  }
  const environments = model.environments.filter((e) => !wanted || wanted.includes(e.name));
  const files = new Map<string, string>();
  for (const env of environments) {
    const envModel = modelForEnvironment(model, env);
    const ctx: EmitContext = {
      model: envModel,
      index: new ModelIndex(envModel),
      env,
      // A target's code carries its severity in the registry, like the analyzer's.
      report: (d) => diagnostics.push({ ...d, severity: d.severity ?? codes.get(d.code)?.severity ?? 'error' }),
    };
    if (!targets.some((t) => t.name === env.mesh)) {
      diagnostics.push({
        code: 'WEFT006',
        severity: 'error',
        message: `environment "${env.name}" uses mesh "${env.mesh}", which this version of Weft cannot emit yet`,
        path: `${model.name}/environments/${env.name}`,
        hint: `use one of the meshes Weft emits: ${targets.map((t) => t.name).filter((n) => n !== 'kubernetes').join(', ')}`,
      });
    }
    for (const target of targets) {
      if (!target.appliesTo(env)) continue;
      const out = target.emit(ctx);
      if (options.schemaCheck !== false) diagnostics.push(...schemaCheck(out.manifests, env.name).diagnostics);
      for (const manifest of out.manifests) addFile(files, manifestPath(env.name, target.name, manifest), manifestYaml(manifest), diagnostics, manifest);
      for (const raw of out.files ?? []) addFile(files, `${env.name}/${target.name}/${raw.path}`, raw.content, diagnostics);
    }
  }
  diagnostics.push(...unemittedFeatures(model, targets));
  const sorted = sortDiagnostics(diagnostics);
  return {
    diagnostics: sorted,
    files: hasErrors(sorted) ? new Map() : new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    environments: environments.map((e) => e.name),
  };
}

/** Two objects that would land in one file are a Weft bug or a name clash the analyzer missed. */
function addFile(files: Map<string, string>, path: string, content: string, diagnostics: Diagnostic[], manifest?: Manifest): void {
  if (files.has(path) && files.get(path) !== content) {
    diagnostics.push({
      code: 'WEFT007',
      severity: 'error',
      message: `two different objects would be written to ${path}${manifest ? ` (${manifest.kind} ${manifest.metadata.name})` : ''}`,
      path,
      hint: 'rename one of the declarations so that their generated names differ',
    });
  }
  files.set(path, content);
}

/**
 * Declarations that no registered target turns into objects yet. Saying so is better than a
 * silent drop: the user sees which part of mesh.config.ts has no effect.
 */
function unemittedFeatures(model: MeshModel, targets: readonly Target[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const has = (name: string) => targets.some((t) => t.name === name);
  if (!has('observability'))
    for (const s of model.services)
      for (const slo of s.observability.slos)
        out.push({
          code: 'WEFT008',
          severity: 'info',
          message: `SLO "${slo.name}" of service "${s.name}" is part of the model, but no target emits alert rules for it in this release`,
          path: slo.path,
          location: slo.location,
          hint: 'keep it: the observability target will compile it into burn-rate alerts; nothing to change now',
        });
  if (!has('argocd'))
    for (const env of model.environments)
      if (env.gitops)
        out.push({
          code: 'WEFT008',
          severity: 'info',
          message: `environment "${env.name}" declares gitops (${env.gitops.repoUrl}), but no target emits Argo CD Applications in this release`,
          path: `${model.name}/environments/${env.name}`,
          location: model.location,
          hint: 'point an Argo CD Application at dist/' + env.name + '/ by hand for now; the argocd target will write it from this declaration',
        });
  return out;
}
