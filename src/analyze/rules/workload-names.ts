import { workloadName } from '../../model/names';
import type { Service, Version } from '../../model/service';
import type { Rule } from '../rule';
import { whereLabel } from '../helpers/format';

/**
 * Two versions of different services whose workloads get the same name in one namespace: every
 * target names a version's Deployment (and per-version objects) `<service>-<version>`
 * (model/names.ts), so service "app" version "web-v1" and service "app-web" version "v1" both
 * become "app-web-v1" and overwrite each other. Caught here, at the declaration, rather than as
 * WEFT007 when the files are written. Two services of one name are WEFT110, not this.
 */
export const workloadNames: Rule = {
  id: 'workload-names',
  codes: { WEFT116: { severity: 'error', title: 'generated workload names collide' } },
  check(ctx) {
    const seen = new Map<string, { service: Service; version: Version }>();
    for (const service of ctx.model.services)
      for (const version of service.versions) {
        const name = workloadName(service, version);
        const key = `${service.namespace}/${name}`;
        const first = seen.get(key);
        if (!first) {
          seen.set(key, { service, version });
          continue;
        }
        if (first.service.name === service.name) continue; // WEFT110
        ctx.report(
          'WEFT116',
          version,
          `version "${version.name}" of service "${service.name}" and version "${first.version.name}" of service "${first.service.name}" (${whereLabel(first.service.location, service.location)}) both become workload "${name}" in namespace "${service.namespace}"`,
          'rename a service or a version so that "<service>-<version>" differs',
        );
      }
  },
};
