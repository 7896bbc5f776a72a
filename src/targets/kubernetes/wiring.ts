import type { Service, Version } from '../../model/service';
import type { EmitContext, WorkloadWiring } from '../target';

/** Wiring of every workload, computed once: namespaces need all of them, Deployments one. */
export class WorkloadWirings {
  private readonly byWorkload = new Map<string, WorkloadWiring>();
  /** The same wirings by the model's version objects, with their service: no key string per lookup (several per workload). */
  private readonly byVersion = new Map<Version, { service: Service; wiring: WorkloadWiring }>();

  /** `ctx.wiring` is the environment's mesh target's answer (synth passes it, see target.ts). */
  constructor(ctx: EmitContext) {
    for (const service of ctx.model.services)
      for (const version of service.versions) this.byWorkload.set(key(service, version), ctx.wiring(service, version));
    // After the loop: of two same-named workloads the last one's wiring counts, by key or by version.
    for (const service of ctx.model.services) for (const version of service.versions) this.byVersion.set(version, { service, wiring: this.byWorkload.get(key(service, version))! });
  }

  of(service: Service, version: Version): WorkloadWiring {
    const known = this.byVersion.get(version);
    if (known?.service === service) return known.wiring;
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
