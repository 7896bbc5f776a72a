import type { ServiceRef } from './common';
import type { Environment, MeshModel } from './mesh';
import type { Service } from './service';
import type { Route } from './traffic';
import type { MtlsMode } from './security';

/** Read-side helpers every target and the analyzer share, so that none re-derives them. */
export class ModelIndex {
  /**
   * Services by namespace, then name (the first declared wins): two map reads, no key string
   * built per lookup (targets ask it several times per route and per service).
   */
  private readonly byNamespace = new Map<string, Map<string, Service>>();

  constructor(readonly model: MeshModel) {
    for (const s of model.services) {
      let names = this.byNamespace.get(s.namespace);
      if (!names) this.byNamespace.set(s.namespace, (names = new Map()));
      if (!names.has(s.name)) names.set(s.name, s);
    }
  }

  service(ref: ServiceRef): Service | undefined {
    return this.byNamespace.get(ref.namespace)?.get(ref.name);
  }

  /** Namespaces in first-declared order, each once. */
  namespaces(): string[] {
    const seen = new Set<string>();
    for (const t of this.model.teams) seen.add(t.namespace);
    for (const s of this.model.services) seen.add(s.namespace);
    return [...seen];
  }

  /** All routes: service routes in declaration order, then gateway routes. */
  allRoutes(): Route[] {
    return [...this.model.services.flatMap((s) => s.routes), ...this.model.gateways.flatMap((g) => g.routes)];
  }

  /** The effective mTLS mode of a service: its own override, else the mesh's. */
  mtlsOf(service: Service): MtlsMode {
    return service.security.mtls ?? this.model.security.mtls;
  }
}

/**
 * The model as one environment sees it: the environment's security, observability and
 * per-service overrides applied. Targets always receive this, never the raw model.
 */
export function modelForEnvironment(model: MeshModel, env: Environment): MeshModel {
  return {
    ...model,
    environments: [env],
    security: { ...model.security, ...definedOnly(env.security) },
    observability: { ...model.observability, ...definedOnly(env.observability) },
    defaultsScope: env.defaultsScope ?? model.defaultsScope,
    services: model.services.map((service) => {
      const override = env.services[service.namespace]?.[service.name];
      if (!override) return service;
      return {
        ...service,
        versions: service.versions.map((v) => {
          const vo = override.versions?.[v.name];
          return {
            ...v,
            image: vo?.image ?? v.image,
            replicas: vo?.replicas ?? override.replicas ?? v.replicas,
          };
        }),
      };
    }),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
