import type { CodeTable } from '../diagnostics/codes';
import type { Report } from '../diagnostics/reporter';
import type { Environment, MeshModel } from '../model/mesh';
import type { ModelIndex } from '../model/query';
import type { Service, Version } from '../model/service';
import type { SharedParts } from './emit-memo';

/** A Kubernetes-style object about to be written. Keys are sorted by the writer. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * A file that is not a manifest (for example a proxy config), relative to `dist/<env>/<target>/`.
 * The target gives the value; synth writes it as stable JSON (keys sorted, two-space indent,
 * trailing newline), so that no target serializes anything itself.
 */
export interface JsonFile {
  path: string;
  json: unknown;
}

/** What a workload needs from the environment's mesh target (see `WorkloadWiring`). */
export type WiringOf = (service: Service, version: Version) => WorkloadWiring;

export interface EmitContext {
  /** The model with this environment's overrides applied (`modelForEnvironment`). */
  readonly model: MeshModel;
  readonly index: ModelIndex;
  readonly env: Environment;
  /**
   * Reports a declared feature the target cannot express, or another target-specific problem.
   * The severity comes from the code's entry in the target's `codes` unless given; each
   * problem is kept once.
   */
  readonly report: Report;
  /**
   * The environment's mesh wiring of a workload: synth asks the environment's mesh target
   * (`Target.wiring`), so that the Kubernetes target adds sidecars and labels without knowing
   * any mesh target. `{}` when the mesh target has no wiring.
   */
  readonly wiring: WiringOf;
  /**
   * The stable JSON text (synth's serializer) of a value, for a document embedded in a
   * manifest field, such as a ConfigMap's file. The same value always gives the same bytes.
   */
  readonly json: (value: unknown) => string;
  /**
   * Parts built from the same inputs by the environment's emit and its verification overlay's
   * (emit-memo.ts): the overlay takes the environment's instead of building them again. Absent
   * in a context without an overlay pair; `sharedPart` then just builds.
   */
  readonly shared?: SharedParts;
}

export interface TargetOutput {
  /** Written to `dist/<env>/<target.name>/<namespace | _cluster>/<kind>-<name>.yaml`. */
  manifests: Manifest[];
  /** Written to `dist/<env>/<target.name>/<path>`. */
  files?: JsonFile[];
}

/**
 * What a mesh target adds to each workload's pod (sidecar injection labels, Consul connect
 * annotations, the Weft proxy container). Synth asks the environment's mesh target for it and
 * passes it to the Kubernetes target in `EmitContext.wiring`, so that no emitter imports another
 * or reads its output.
 */
export interface WorkloadWiring {
  namespaceLabels?: Record<string, string>;
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  /** Environment variables for the application container (e.g. `HTTP_PROXY` pointing at a sidecar). */
  appEnv?: Record<string, string>;
  /** Extra containers (a sidecar), as plain Kubernetes container specs. */
  containers?: Record<string, unknown>[];
  /**
   * True when the mesh adds a sidecar container to the pod at admission (Istio's injector,
   * consul-k8s's connect injector) rather than in `containers`. The Kubernetes target then
   * autoscales on the application container's own usage (`ContainerResource`), not the pod's.
   */
  injectsSidecar?: boolean;
  /** Extra pod volumes, as plain Kubernetes volume specs. */
  volumes?: Record<string, unknown>[];
  /**
   * The port the Kubernetes Service should send traffic to, when a sidecar sits in front of
   * the application (the Weft proxy's inbound listener).
   */
  serviceTargetPort?: (port: number) => number;
}

export interface Target {
  /** Folder name under `dist/<env>/`, and the id used in docs/targets.md. */
  readonly name: string;
  /** The codes this target can report: its message table (its `codes.ts`). */
  readonly codes: CodeTable;
  /** Whether this target runs for the environment (mesh targets run only for their flavour). */
  appliesTo(env: Environment): boolean;
  emit(ctx: EmitContext): TargetOutput;
  /**
   * For mesh targets: what each workload needs to join the mesh. Synth hands it to every
   * target of the environment as `EmitContext.wiring`.
   */
  wiring?(ctx: Omit<EmitContext, 'wiring'>, service: Service, version: Version): WorkloadWiring;
}
