import type { CodeInfo } from '../analyze/codes';
import type { Diagnostic } from '../analyze/diagnostic';
import type { Environment, MeshModel } from '../model/mesh';
import type { ModelIndex } from '../model/query';
import type { Service, Version } from '../model/service';

/** A Kubernetes-style object about to be written. Keys are sorted by the writer. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A file that is not a manifest (for example a proxy config JSON), relative to `dist/<env>/`. */
export interface RawFile {
  path: string;
  content: string;
}

export interface EmitContext {
  /** The model with this environment's overrides applied (`modelForEnvironment`). */
  readonly model: MeshModel;
  readonly index: ModelIndex;
  readonly env: Environment;
  /** Reports a declared feature the target cannot express, or another target-specific problem. */
  report(diagnostic: Omit<Diagnostic, 'severity'> & { severity?: Diagnostic['severity'] }): void;
}

export interface TargetOutput {
  /** Written to `dist/<env>/<target.name>/<namespace | _cluster>/<kind>-<name>.yaml`. */
  manifests: Manifest[];
  /** Written to `dist/<env>/<target.name>/<path>`. */
  files?: RawFile[];
}

/**
 * What a mesh target adds to each workload's pod (sidecar injection labels, Consul connect
 * annotations, the Weft proxy container). The Kubernetes target asks the environment's mesh
 * target for it, so that no emitter reads another emitter's output.
 */
export interface WorkloadWiring {
  namespaceLabels?: Record<string, string>;
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  /** Environment variables for the application container (e.g. `HTTP_PROXY` pointing at a sidecar). */
  appEnv?: Record<string, string>;
  /** Extra containers (a sidecar), as plain Kubernetes container specs. */
  containers?: Record<string, unknown>[];
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
  /** Codes this target can report, with their registry entries. */
  readonly codes: Readonly<Record<string, CodeInfo>>;
  /** Whether this target runs for the environment (mesh targets run only for their flavour). */
  appliesTo(env: Environment): boolean;
  emit(ctx: EmitContext): TargetOutput;
  /** For mesh targets: what each workload needs to join the mesh. */
  wiring?(ctx: EmitContext, service: Service, version: Version): WorkloadWiring;
}
