import type { Service, Version } from '../../model/service';
import type { EmitContext, Target, WorkloadWiring } from '../target';
/** Asks a mesh target what a workload needs to join the mesh. */
export type WiringSource = (ctx: EmitContext, service: Service, version: Version) => WorkloadWiring;

/**
 * The target registry, loaded lazily. `src/targets/index.ts` imports this target, so a static
 * import of it from here would be a cycle that breaks whenever this module is loaded first
 * (`TARGETS = [kubernetesTarget]` would run before `kubernetesTarget` exists). A dynamic import
 * breaks the cycle; it settles as soon as the module graph has been evaluated, long before
 * any synth runs. Code that imports this target directly and emits in the same tick awaits
 * `targetsLoaded` first.
 */
let registry: readonly Target[] | undefined;
let registryError: unknown;
export const targetsLoaded: Promise<void> = import('../index').then(
  (m) => {
    registry = m.TARGETS;
  },
  (e: unknown) => {
    registryError = e;
  },
);

/**
 * The environment's mesh target's wiring (`Target.wiring`), or none when that target has no
 * wiring (or is not registered). No emitter reads another emitter's output: the mesh target
 * answers from the model alone.
 */
export function meshWiring(targets?: readonly Target[]): WiringSource {
  return (ctx, service, version) => {
    const list = targets ?? registry;
    if (!list) throw new Error(`bug: the target registry is not loaded yet (${String(registryError ?? 'await targetsLoaded before emitting')})`);
    return list.find((t) => t.name === ctx.env.mesh)?.wiring?.(ctx, service, version) ?? {};
  };
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
