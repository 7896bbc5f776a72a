import { workloadName } from '../../model/names';
import type { Probe, Service } from '../../model/service';
import type { JsonFile } from '../target';
import { compact, consulName, goDuration, nonEmpty, type ConsulContext } from './common';
import { upstreamsOf } from './upstreams';

type Obj = Record<string, unknown>;

/**
 * How long a check may stay critical before the agent deregisters the instance: long enough to
 * ride out a restart, short enough that a dead VM leaves the catalog. Consul's minimum is one
 * minute, and its reaper runs every 30 seconds.
 * @see https://developer.hashicorp.com/consul/docs/services/configuration/checks-configuration-reference
 */
export const DEREGISTER_CRITICAL_AFTER = '10m';

/**
 * Agent service definitions for VMs, one per version (`services/<service>-<version>.json`), in the
 * service-definition file format (`consul services register <file>`, or the agent's config dir):
 * name, id, tags, port, `meta.version` (which the ServiceResolver subsets filter on), health
 * checks from the declared probes, and a sidecar with the declared calls as upstreams. The
 * address is left to the agent, which registers the service at its own address: Weft's model
 * does not know the VMs' addresses.
 * @see https://developer.hashicorp.com/consul/docs/services/configuration/services-configuration-reference
 * @see https://developer.hashicorp.com/consul/docs/connect/proxies/deploy-sidecar-services
 */
export function serviceDefinitions(cc: ConsulContext): JsonFile[] {
  const files: JsonFile[] = [];
  for (const s of cc.model.services) {
    const upstreams = upstreamsOf(cc.ctx.index, s).map((u) => ({ destination_name: u.name, local_bind_port: u.localPort }));
    for (const v of s.versions) {
      const id = workloadName(s, v);
      files.push({
        path: `services/${id}.json`,
        json: {
          service: compact({
            name: consulName(s),
            id,
            tags: [v.name],
            port: s.ports[0]!.targetPort,
            meta: { version: v.name },
            checks: nonEmpty(checks(cc, s)),
            connect: { sidecar_service: { proxy: compact({ upstreams: nonEmpty(upstreams) }) } },
          }),
        },
      });
    }
  }
  return files;
}

/**
 * Readiness and liveness probes as agent checks: an HTTP probe is an `http` check, any other a
 * `tcp` check, each with the probe's period and timeout. A startup probe has no agent
 * equivalent (WEFT706). The model's probes are HTTP or TCP; a TCP probe on a gRPC port stays a
 * `tcp` check, because a `grpc` check needs the gRPC health service the model does not promise.
 * @see https://developer.hashicorp.com/consul/docs/services/usage/checks
 */
function checks(cc: ConsulContext, s: Service): Obj[] {
  const out: Obj[] = [];
  const seen = new Set<string>();
  if (s.probes.startup)
    cc.report('WEFT706', s, `the startup probe of service "${s.name}" has no Consul agent check equivalent; VM instances are checked by their readiness and liveness probes only`, 'rely on the readiness probe in consul VM definitions');
  for (const [kind, probe] of [['readiness', s.probes.readiness], ['liveness', s.probes.liveness]] as const) {
    if (!probe) continue;
    const check = checkOf(probe);
    const key = JSON.stringify(check);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: `${s.name}-${kind}`, name: `${s.name} ${kind}`, ...check });
  }
  return out;
}

function checkOf(probe: Probe): Obj {
  const timing = { interval: goDuration(probe.periodMs), timeout: goDuration(probe.timeoutMs), deregister_critical_service_after: DEREGISTER_CRITICAL_AFTER };
  if (probe.httpPath !== undefined) return { http: `http://localhost:${probe.port}${probe.httpPath}`, method: 'GET', ...timing };
  return { tcp: `localhost:${probe.port}`, ...timing };
}
