import { serviceFqdn } from '../../model/common';
import { switchState, type FallbackAnswer } from '../../model/degradation';
import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, manifest, type IstioContext } from './common';
import { MESH, isHttpPort } from './routing';

type Obj = Record<string, unknown>;

/** The header a switch answer carries, as the weft proxy's (src/proxy/pipeline/degrade.ts). */
const FALLBACK_HEADER = 'x-weft-fallback';

/**
 * Degradation switches in Istio: a switch's state is compiled into the routes, so flipping it is
 * a change to mesh.config.ts (or the environment's `switches`) that goes through synth, review
 * and Argo CD, not a runtime flip as in the weft mesh (docs/degradation.md).
 *
 * For every `caller.degrade(switch, { calls, … })` whose switch is on in this environment, the
 * callee's mesh VirtualService gets a first route matching the caller's workloads
 * (`sourceLabels: { app }` and `sourceNamespace`) that answers with the declared response
 * (`directResponse`, plus the declared headers and `x-weft-fallback: switch/<name>`), or sends
 * to the declared fallback service or version. The callee receives nothing from that caller.
 * A callee without a VirtualService of its own gets one: the switch routes, then a default route
 * to the service. With the switch off, nothing is written.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPDirectResponse
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest (sourceLabels, sourceNamespace)
 */
export function withSwitchRoutes(ic: IstioContext, virtualServices: Manifest[]): Manifest[] {
  const { model } = ic;
  const rulesByHost = new Map<string, { callee: Service; routes: Obj[] }>();
  for (const caller of model.services)
    for (const d of caller.degrade ?? []) {
      const sw = (model.switches ?? []).find((x) => x.name === d.switch);
      if (!sw || switchState(sw, ic.ctx.env) !== 'on') continue;
      for (const ref of d.calls) {
        const callee = ic.ctx.index.service(ref);
        if (!callee || !callee.ports.some(isHttpPort)) continue;
        const host = serviceFqdn(callee, model.clusterDomain);
        const entry = rulesByHost.get(host) ?? { callee, routes: [] };
        entry.routes.push(switchRoute(model.clusterDomain, d.switch, caller, d.answer));
        rulesByHost.set(host, entry);
      }
    }
  if (rulesByHost.size === 0) return virtualServices;
  const out = virtualServices.map((vs) => {
    const spec = vs.spec as { hosts: string[]; gateways?: string[]; http?: Obj[] };
    const onMesh = !spec.gateways || spec.gateways.includes(MESH);
    const rules = onMesh ? rulesByHost.get(canonical(spec.hosts[0]!, vs.metadata.namespace!, model.clusterDomain)) : undefined;
    if (!rules) return vs;
    rulesByHost.delete(canonical(spec.hosts[0]!, vs.metadata.namespace!, model.clusterDomain));
    const bound = spec.gateways && spec.gateways.length > 1 ? rules.routes.map((r) => withGateway(r)) : rules.routes;
    return { ...vs, spec: { ...spec, http: [...bound, ...(spec.http ?? [])] } };
  });
  for (const [host, { callee, routes }] of rulesByHost)
    out.push(
      manifest(ic, API.networking, 'VirtualService', callee.name, callee.namespace, callee.name, SyncWave.routes, {
        hosts: [host],
        http: [...routes, { name: 'default', route: [{ destination: { host } }] }],
      }),
    );
  return out;
}

/** A VirtualService host as Istio resolves it: short names are expanded against its namespace. */
function canonical(host: string, namespace: string, domain: string): string {
  if (host.endsWith(`.svc.${domain}`)) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${domain}`;
  if (parts.length === 2) return `${host}.svc.${domain}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.${domain}`;
  return host;
}

function withGateway(route: Obj): Obj {
  return { ...route, match: (route.match as Obj[]).map((m) => ({ ...m, gateways: [MESH] })) };
}

function switchRoute(domain: string, name: string, caller: Service, answer: FallbackAnswer): Obj {
  const match = [{ sourceLabels: { app: caller.name }, sourceNamespace: caller.namespace }];
  const routeName = `switch-${name}-${caller.name}`;
  if (answer.kind === 'destination')
    return {
      name: routeName,
      match,
      route: [{ destination: compact({ host: serviceFqdn(answer.service, domain), subset: answer.version }) }],
      headers: { response: { set: { [FALLBACK_HEADER]: `switch/${name}` } } },
    };
  const r = answer.response;
  return {
    name: routeName,
    match,
    directResponse: { status: r.status, body: { string: r.body ?? '' } },
    headers: { response: { set: { ...(r.headers ?? {}), [FALLBACK_HEADER]: `switch/${name}` } } },
  };
}
