import type { At } from '../diagnostics/location';
import type { MeshModel } from '../model/mesh';
import type { Manifest } from '../targets/target';

/**
 * The declaration an emitted object comes from, for diagnostics about the object (WEFT690): every
 * target labels its objects with `app.kubernetes.io/name: <component>` (targets/naming.ts
 * `commonLabels`), the component being the service, gateway or external service that produced it
 * (`mesh` for namespace-wide objects). So the object leads back to
 * - the version of a service, for objects of one version (a `version` label on the object, its
 *   pod template, or its selector: Deployments, per-version Services, PodMonitors);
 * - the service, gateway or external service, by component (and namespace, when one matches);
 * - the team that owns the object's namespace (Namespace, allow-nothing, Sidecar…);
 * - else the mesh.
 */
export function manifestSource(model: MeshModel, m: Manifest): At {
  const meta = m.metadata ?? ({} as Manifest['metadata']);
  const component = meta.labels?.['app.kubernetes.io/name'];
  const namespace = m.kind === 'Namespace' ? meta.name : meta.namespace;
  const byName = <T extends { name: string; namespace: string }>(items: readonly T[]): T | undefined =>
    items.find((x) => x.name === component && x.namespace === namespace) ?? items.find((x) => x.name === component);
  if (component !== undefined) {
    const service = byName(model.services);
    if (service) {
      const version = versionLabel(m);
      return service.versions.find((v) => v.name === version) ?? service;
    }
    const gateway = model.gateways.find((g) => g.name === component);
    if (gateway) return gateway;
    const external = byName(model.externalServices);
    if (external) return external;
  }
  const team = model.teams.find((t) => t.namespace === namespace);
  return team ?? { path: model.name, location: model.location };
}

function versionLabel(m: Manifest): string | undefined {
  const spec = (m as { spec?: Record<string, any> }).spec; // eslint-disable-line @typescript-eslint/no-explicit-any
  return m.metadata?.labels?.version ?? spec?.template?.metadata?.labels?.version ?? spec?.selector?.matchLabels?.version ?? spec?.selector?.version;
}
