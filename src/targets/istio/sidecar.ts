import { serviceKey, type ServiceRef } from '../../model/common';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, hostOf, manifest, type IstioContext } from './common';
import { collectorEgressHost } from './tracing-collector';

/**
 * One namespace-wide Sidecar (named `default`, as Istio recommends) per namespace, whose egress
 * lists only the hosts the namespace's services declare in `calls`: `<namespace>/<host>` of
 * each called service and external service. Under deny-by-default, `REGISTRY_ONLY` also blocks
 * hosts unknown to the mesh; otherwise `ALLOW_ANY` lets them pass through.
 * A namespace whose services call nothing gets `~/*` ("no namespace", so no hosts).
 * When tracing is on (mesh-wide, or for a service of the namespace), the tracing collector is
 * added (tracing-collector.ts): sidecars export spans to it themselves.
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
export function sidecars(ic: IstioContext): Manifest[] {
  const { model } = ic;
  const denyByDefault = model.security.authorization === 'deny-by-default';
  return ic.ctx.index.namespaces().flatMap((ns) => {
    const services = model.services.filter((s) => s.namespace === ns);
    if (services.length === 0) return [];
    const hosts: string[] = [];
    const add = (h: string) => {
      if (!hosts.includes(h)) hosts.push(h);
    };
    for (const s of services)
      for (const call of s.calls) {
        if (call.target.kind === 'service') {
          const target = call.target.service;
          if (serviceKey(target) === serviceKey(s)) continue;
          add(`${target.namespace}/${hostOf(model, target)}`);
          // The callee's routes may forward or mirror to other services: the caller's sidecar picks them.
          for (const d of routedServices(ic, target)) add(`${d.namespace}/${hostOf(model, d)}`);
        } else {
          const name = call.target.name;
          const x = model.externalServices.find((e) => e.name === name);
          // An unknown external service is the analyzer's to report.
          for (const h of x?.hosts ?? []) add(`${x!.namespace}/${h}`);
        }
      }
    const tracing = model.observability.tracing;
    if (tracing || services.some((s) => (s.observability.tracingSamplingPercent ?? 0) > 0))
      add(collectorEgressHost(model, tracing ?? { samplingPercent: 0 }));
    return [
      manifest(ic, API.networking, 'Sidecar', 'default', ns, 'mesh', SyncWave.destinations, {
        egress: [{ hosts: hosts.length ? hosts : ['~/*'] }],
        outboundTrafficPolicy: { mode: denyByDefault ? 'REGISTRY_ONLY' : 'ALLOW_ANY' },
      }),
    ];
  });
}

/** Services the routes owned by `ref` forward or mirror to. */
function routedServices(ic: IstioContext, ref: ServiceRef): ServiceRef[] {
  const owner = ic.ctx.index.service(ref);
  const out: ServiceRef[] = [];
  for (const r of owner?.routes ?? []) {
    if (r.action.kind === 'forward') out.push(...r.action.destinations.map((d) => d.service));
    if (r.mirror) out.push(r.mirror.destination.service);
  }
  return out.filter((d) => serviceKey(d) !== serviceKey(ref));
}
