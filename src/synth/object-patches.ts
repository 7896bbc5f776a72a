import type { Report } from '../diagnostics/reporter';
import type { ObjectPatch } from '../model/escape-hatch';
import type { Manifest } from '../targets/target';
import { applyJsonPatch } from './json-patch';

/**
 * Applies the mesh's JSON patches (`mesh.patch`, the model's `patches`) to the objects the
 * targets emit, after each target's `emit` and before the schema check, so that a patched
 * object is validated like any other. A patch that cannot be applied (a path that does not
 * exist, a failed `test`) is reported at the patch (WEFT042), once per operation; a patch that
 * picks no object in any compiled environment is reported too (WEFT043): both would otherwise
 * be dropped silently.
 */
export class ObjectPatcher {
  /** Patches by `kind/name`: most objects match none, and are found in one lookup. */
  private readonly byObject = new Map<string, ObjectPatch[]>();
  private readonly matched = new Set<ObjectPatch>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly patches: readonly ObjectPatch[],
    private readonly report: Report,
  ) {
    for (const p of patches) {
      const key = `${p.select.kind}/${p.select.name}`;
      this.byObject.set(key, [...(this.byObject.get(key) ?? []), p]);
    }
  }

  /** Patches `manifests` of one target in one environment, replacing each patched object by its patched copy. */
  apply(env: string, target: string, manifests: Manifest[]): void {
    if (this.byObject.size === 0) return;
    for (const [i, manifest] of manifests.entries()) {
      const candidates = this.byObject.get(`${manifest.kind}/${manifest.metadata.name}`);
      if (!candidates) continue;
      let current = manifest;
      for (const patch of candidates) {
        if (!selects(patch, env, target, current)) continue;
        this.matched.add(patch);
        // A copy: targets may share data between objects (and with the frozen model).
        const result = applyJsonPatch(structuredClone(current), patch.ops);
        if ('failure' in result) {
          const op = patch.ops[result.failure.index]!;
          const key = `${patch.path}#${result.failure.index}`;
          if (this.failed.has(key)) continue;
          this.failed.add(key);
          this.report(
            'WEFT042',
            patch,
            `patch "${patch.name}" cannot be applied to ${manifest.kind} ${where(manifest)} (environment "${env}", target ${target}): operation ${result.failure.index} (${op.op} ${op.path}): ${result.failure.reason}`,
            op.op === 'add' ? 'add creates only the last part of a path: add the missing parent object first, or correct the path against the object in dist/' : 'correct the path against the object in dist/ (JSON Pointer: "/"-separated, array indexes from 0); use "add" to create a field',
          );
          continue;
        }
        const patched = result.document as Manifest;
        if (!isObject(patched) || typeof patched.apiVersion !== 'string' || typeof patched.kind !== 'string' || !isObject(patched.metadata) || typeof patched.metadata.name !== 'string') {
          this.report('WEFT042', patch, `patch "${patch.name}" leaves ${manifest.kind} ${where(manifest)} (environment "${env}") without apiVersion, kind or metadata.name`, 'keep apiVersion, kind and metadata.name: they name the object and its file');
          continue;
        }
        // Kind, name and namespace name the object's file (serialize.ts manifestPath): a
        // patch may change anything else.
        if (patched.kind !== current.kind || patched.metadata.name !== current.metadata.name || patched.metadata.namespace !== current.metadata.namespace) {
          this.report('WEFT042', patch, `patch "${patch.name}" changes the kind, name or namespace of ${manifest.kind} ${where(manifest)} (environment "${env}")`, 'these name the object and its file under dist/: change them in mesh.config.ts, or add an object of your own to a team\'s chart');
          continue;
        }
        current = patched;
      }
      manifests[i] = current;
    }
  }

  /**
   * WEFT043 for every patch that picked no object in the compiled environments, or that names
   * an environment the mesh does not declare. A patch whose environments were all left out of
   * this run (`--env`) is not judged.
   */
  reportUnmatched(compiled: readonly string[], declared: readonly string[]): void {
    for (const patch of this.patches) {
      const s = patch.select;
      const envs = s.environments;
      const undeclared = (envs ?? []).filter((e) => !declared.includes(e));
      if (undeclared.length === 0 && (this.matched.has(patch) || !(envs ?? declared).some((e) => compiled.includes(e)))) continue;
      this.report(
        'WEFT043',
        patch,
        undeclared.length > 0
          ? `patch "${patch.name}" names environment${undeclared.length > 1 ? 's' : ''} ${undeclared.map((e) => `"${e}"`).join(', ')}, which the mesh does not declare`
          : `patch "${patch.name}" selects no object: Weft writes no ${s.apiVersion ? `${s.apiVersion} ` : ''}${s.kind} named "${s.name}"${s.namespace ? ` in namespace "${s.namespace}"` : ''}${s.target ? ` from target ${s.target}` : ''}${envs ? ` in environment${envs.length > 1 ? 's' : ''} ${envs.map((e) => `"${e}"`).join(', ')}` : ''}`,
        undeclared.length > 0
          ? `use the environments of the Mesh: ${declared.join(', ')}`
          : 'check kind, name, namespace and target against the files under dist/ (Deployments are named <service>-<version>); remove the patch if the object is gone',
      );
    }
  }
}

function selects(patch: ObjectPatch, env: string, target: string, m: Manifest): boolean {
  const s = patch.select;
  return (
    (s.environments === undefined || s.environments.includes(env)) &&
    (s.target === undefined || s.target === target) &&
    (s.namespace === undefined || s.namespace === m.metadata.namespace) &&
    (s.apiVersion === undefined || s.apiVersion === m.apiVersion)
  );
}

function where(m: Manifest): string {
  return `${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
