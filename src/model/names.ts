import type { Service, Version } from './service';

/**
 * Workload name of one version, `<service>-<version>`: its Deployment, its proxy config and its
 * per-version objects are named so in every target, and the analyzer checks that two versions
 * never share one (WEFT5xx, rules/workload-names.ts).
 */
export function workloadName(service: Pick<Service, 'name'>, version: Pick<Version, 'name'>): string {
  return `${service.name}-${version.name}`;
}
