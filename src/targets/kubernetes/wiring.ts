import type { Service, Version } from '../../model/service';
import type { EmitContext, Target, WorkloadWiring } from '../target';
import { istioTarget } from '../istio/index';
import { weftTarget } from '../weft/index';

/** Asks a mesh target what a workload needs to join the mesh. */
export type WiringSource = (ctx: EmitContext, service: Service, version: Version) => WorkloadWiring;

/**
 * The mesh targets whose `wiring` the Kubernetes target asks for.
 *
 * Why not `TARGETS` (src/targets/index.ts)? That registry imports this target, so importing it
 * back would be a cycle, and an ES module cycle breaks whenever this module is loaded first
 * (`TARGETS = [kubernetesTarget, …]` would run before `kubernetesTarget` exists); a dynamic
 * import avoids the crash but settles at an unspecified later tick, which made emits racy.
 * Importing the mesh targets themselves has no cycle. test/targets/kubernetes/wiring.test.ts
 * fails when a target in TARGETS has `wiring` but is missing here.
 */
export const MESH_TARGETS: readonly Target[] = [istioTarget, weftTarget];

/**
 * The environment's mesh target's wiring (`Target.wiring`), or none when that target has no
 * wiring. No emitter reads another emitter's output: the mesh target answers from the model.
 */
export function meshWiring(targets: readonly Target[] = MESH_TARGETS): WiringSource {
  return (ctx, service, version) => targets.find((t) => t.name === ctx.env.mesh)?.wiring?.(ctx, service, version) ?? {};
}

/** Wiring of every workload, computed once: namespaces need all of them, Deployments one. */
export class WorkloadWirings {
  private readonly byWorkload = new Map<string, WorkloadWiring>();

  constructor(ctx: EmitContext, source: WiringSource) {
    for (const service of ctx.model.services)
      for (const version of service.versions) this.byWorkload.set(key(service, version), source(ctx, service, version));
  }

  of(service: Service, version: Version): WorkloadWiring {
    return this.byWorkload.get(key(service, version)) ?? {};
  }

  /** Namespace labels asked for by any workload of the namespace, merged in model order. */
  namespaceLabels(namespace: string, services: readonly Service[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of services) if (s.namespace === namespace) for (const v of s.versions) Object.assign(out, this.of(s, v).namespaceLabels);
    return out;
  }

  /**
   * The pod port traffic for a container port arrives at: the sidecar's inbound listener when
   * the mesh puts one in front of the application (Weft proxy), else the port itself.
   */
  podPort(service: Service, containerPort: number): number[] {
    const ports = new Set<number>();
    for (const v of service.versions) ports.add(this.of(service, v).serviceTargetPort?.(containerPort) ?? containerPort);
    return [...ports].sort((a, b) => a - b);
  }
}

function key(service: Service, version: Version): string {
  return `${service.namespace}/${service.name}/${version.name}`;
}
