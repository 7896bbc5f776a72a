import { Reporter } from '../diagnostics/reporter';
import type { Environment, MeshModel } from '../model/mesh';
import type { EmitContext, JsonFile, Manifest, Target } from '../targets/target';
import { hasErrors } from '../diagnostics/diagnostic';
import { emitContext } from './emit-context';
import { codeRegistry } from './registry';
import { manifestPath, manifestYaml } from './serialize';
import { schemaCheck } from './schema-check';
import { jsonFileText } from './stable-json';
import { manifestSource } from './manifest-source';
import { sameValue } from './same-value';
import { TargetFiles } from './target-files';
import type { FileSink } from './compile';
import { EmitMemo } from '../targets/emit-memo';

/**
 * `dist/verify/<env>/`: the environment's own targets applied to the verification overlay's
 * model (echo workloads, probe clients, their gateway; src/verify/overlay/model.ts), emitted
 * target by target right after the environment's same target, so that each of its objects
 * that is the same value as the environment's object at the same path (sameValue) takes the
 * environment's text and schema-check verdict instead of being rendered and checked again. At
 * 1,000 services that is more than half of the overlay's objects (routes, policies, most
 * Services); what differs (Deployments with the echo image, probe clients, the gateway) is
 * rendered and checked as before, so the bytes are the same as a separate emit's.
 *
 * Its warnings repeat the environment's (same declarations), so only errors are kept — and only
 * when the environment itself compiled, since an error there is already reported once.
 */
export class OverlayEmitter {
  private readonly scratch: Reporter;
  private readonly ctx: EmitContext;
  private readonly sink: FileSink;

  constructor(
    overlay: MeshModel,
    env: Environment,
    targets: readonly Target[],
    emit: FileSink,
    private readonly check: boolean,
    /** The environment's recorded parts, replayed where the overlay's inputs are the same objects (src/targets/emit-memo.ts). */
    readonly memo: EmitMemo = new EmitMemo(),
  ) {
    this.scratch = new Reporter(codeRegistry(undefined, targets));
    this.ctx = emitContext(overlay, env, this.scratch.report, { targets, shared: memo.replay });
    this.sink = (path, content) => emit(`verify/${path}`, content);
  }

  /** The overlay's objects of `target`, ready to be paired with the environment's as they are written. */
  emitTarget(target: Target): OverlayTarget {
    const out = target.emit(this.ctx);
    const collision = (path: string, what?: string) => {
      if (hasErrors(this.scratch.diagnostics)) return;
      this.scratch.report('WEFT007', { path, location: this.ctx.model.location }, `two different objects would be written to ${path}${what ? ` (${what})` : ''}`, 'rename one of the declarations so that their generated names differ');
    };
    return new OverlayTarget(this.ctx, target.name, out.manifests, out.files ?? [], new TargetFiles(this.sink, collision), (manifests) => {
      if (this.check) for (const d of schemaCheck(manifests, this.ctx.env.name, (m) => manifestSource(this.ctx.model, m)).diagnostics) this.scratch.add(d);
    });
  }

  /** The overlay's errors, for the environment's reporter: only when the environment compiled (see the class). */
  errorsFor(environment: Reporter): void {
    if (hasErrors(environment.diagnostics)) return;
    for (const d of this.scratch.diagnostics) if (d.severity === 'error') environment.add(d);
  }
}

/**
 * One target's overlay objects. The environment offers each file it writes (`offerManifest`,
 * `offerFile`); the overlay's first object at that path, when it is the same value, is written
 * with the environment's text at once and neither checked nor rendered again. `finish` checks
 * and writes the rest, in their order.
 */
export class OverlayTarget {
  private readonly manifestAt = new Map<string, number>();
  private readonly fileAt = new Map<string, number>();
  private readonly takenManifests: Uint8Array;
  private readonly takenFiles: Uint8Array;
  /** Overlay files written with the environment's text (a test and the bench count them). */
  reused = 0;

  constructor(
    private readonly ctx: EmitContext,
    private readonly target: string,
    private readonly manifests: readonly Manifest[],
    private readonly files: readonly JsonFile[],
    private readonly written: TargetFiles,
    private readonly schemaCheck: (manifests: readonly Manifest[]) => void,
  ) {
    // Only the first object at a path is ever written there; a later one is compared with it.
    manifests.forEach((m, i) => {
      const path = manifestPath(ctx.env.name, target, m);
      if (!this.manifestAt.has(path)) this.manifestAt.set(path, i);
    });
    files.forEach((f, i) => {
      const path = this.filePath(f);
      if (!this.fileAt.has(path)) this.fileAt.set(path, i);
    });
    this.takenManifests = new Uint8Array(manifests.length);
    this.takenFiles = new Uint8Array(files.length);
  }

  /** The environment wrote `manifest` at `path` as `content`. */
  offerManifest(path: string, manifest: Manifest, content: string): void {
    const i = this.manifestAt.get(path);
    if (i === undefined || !sameValue(manifest, this.manifests[i])) return;
    const own = this.manifests[i]!;
    this.takenManifests[i] = 1;
    this.reused++;
    this.written.put(path, () => manifestYaml(own), describe(own), content);
  }

  /** The environment wrote the JSON file `file` at `path` as `content`. */
  offerFile(path: string, file: JsonFile, content: string): void {
    const i = this.fileAt.get(path);
    if (i === undefined || !sameValue(file.json, this.files[i]!.json)) return;
    const own = this.files[i]!;
    this.takenFiles[i] = 1;
    this.reused++;
    this.written.put(path, () => jsonFileText(own.json), undefined, content);
  }

  /** Checks and writes every object the environment had no twin for. */
  finish(): void {
    const rest = this.manifests.filter((_, i) => this.takenManifests[i] === 0);
    this.schemaCheck(rest);
    for (const m of rest) this.written.put(manifestPath(this.ctx.env.name, this.target, m), () => manifestYaml(m), describe(m));
    this.files.forEach((f, i) => {
      if (this.takenFiles[i] === 0) this.written.put(this.filePath(f), () => jsonFileText(f.json));
    });
  }

  private filePath(file: JsonFile): string {
    return `${this.ctx.env.name}/${this.target}/${file.path}`;
  }
}

function describe(m: Manifest): string {
  return `${m.kind} ${m.metadata.name}`;
}
