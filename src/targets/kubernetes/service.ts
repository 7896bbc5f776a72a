import type { Protocol, Service } from '../../model/service';
import type { EmitContext, Manifest, WorkloadWiring } from '../target';
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
export function kubernetesService(ctx: EmitContext, service: Service, firstWiring: WorkloadWiring): Manifest {
  // Written as cdk8s-plus's ClusterIP Service rendered it (`externalIPs: []` included), with
  // each port's `appProtocol`. The model requires a port (the service props schema).
  if (service.ports.length === 0) throw new Error('bug: a service without ports reached the Kubernetes target');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(ctx.model, service.name, service.name, service.namespace, SyncWave.workloads),
    spec: {
      externalIPs: [],
      ports: service.ports.map((p) => ({
        appProtocol: APP_PROTOCOL[p.protocol],
        name: p.name,
        port: p.port,
        protocol: 'TCP',
        targetPort: firstWiring.serviceTargetPort?.(p.targetPort) ?? p.targetPort,
      })),
      selector: { ...serviceSelector(service) },
      type: 'ClusterIP',
    },
  };
}
