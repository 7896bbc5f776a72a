import { ApiObject, JsonPatch, type Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Protocol, Service } from '../../model/service';
import type { EmitContext, WorkloadWiring } from '../target';
import { serviceSelector } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';

/**
 * `appProtocol` per model protocol. Istio reads `appProtocol` before the port name; HTTP/2
 * in clear text is the Kubernetes-standard `kubernetes.io/h2c`, which Istio maps to http2.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/#explicit-protocol-selection
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#application-protocol
 */
export const APP_PROTOCOL: Record<Protocol, string> = {
  http: 'http',
  http2: 'kubernetes.io/h2c',
  grpc: 'grpc',
  tcp: 'tcp',
};

/**
 * The Service in front of every version (`app=<service>`), one port per model port. When the
 * mesh puts a sidecar in front of the application (the Weft proxy), `targetPort` is the
 * sidecar's inbound port; the versions of one service share one Service, so the first
 * version's wiring decides.
 */
export function emitService(chart: Chart, ctx: EmitContext, service: Service, firstWiring: WorkloadWiring): kplus.Service {
  const svc = new kplus.Service(chart, `Service:${service.namespace}:${service.name}`, {
    metadata: objectMeta(ctx.model, service.name, service.name, service.namespace, SyncWave.workloads),
    type: kplus.ServiceType.CLUSTER_IP,
    ports: service.ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: firstWiring.serviceTargetPort?.(p.targetPort) ?? p.targetPort,
      protocol: kplus.Protocol.TCP,
    })),
  });
  for (const [k, v] of Object.entries(serviceSelector(service))) svc.selectLabel(k, v);
  const api = ApiObject.of(svc);
  service.ports.forEach((p, i) => api.addJsonPatch(JsonPatch.add(`/spec/ports/${i}/appProtocol`, APP_PROTOCOL[p.protocol])));
  return svc;
}
