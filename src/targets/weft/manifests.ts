import { inboundTcpPorts } from './tcp';
import type { MeshModel } from '../../model/mesh';
import type { Port, Service, Version } from '../../model/service';
import type { Manifest } from '../target';
import { commonLabels, versionSelector } from '../naming';
import { workloadName } from '../../model/names';
import { SyncWave, syncWave } from '../sync-waves';
import { CONFIG_KEY, PROXY_PORTS, configMapName } from './constants';
import { perVersionServiceName } from './per-version-service';

function metadata(model: MeshModel, service: Service, version: Version, name: string, wave: number): Manifest['metadata'] {
  return {
    name,
    namespace: service.namespace,
    labels: { ...versionSelector(service, version), ...commonLabels(model, service.name) },
    annotations: syncWave(wave),
  };
}

/**
 * The ConfigMap the sidecar mounts at /etc/weft. Mounted as a directory (never `subPath`), so the
 * kubelet swaps the file in place when Argo CD updates the ConfigMap, and the proxy hot-reloads
 * it (an invalid new config is rejected; the last good one keeps serving). Foundation wave: it
 * exists before the Deployment whose pods mount it.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically
 */
export function proxyConfigMap(model: MeshModel, service: Service, version: Version, json: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(model, service, version, configMapName(workloadName(service, version)), SyncWave.foundation),
    data: { [CONFIG_KEY]: json },
  };
}

/**
 * The per-version headless Service `<service>-<version>`: its DNS records are the version's pods,
 * the endpoints of the version's subset in every caller's config (see per-version-service.ts).
 * It names the service's proxied port and targets the inbound listener, so the receiving
 * workload's own policies (authorization, rate limit, metrics with reporter="destination")
 * apply. Destinations wave: subsets exist before routes use them. `clusterIP` is immutable, so
 * a Service that was a ClusterIP one (weft proxy part 1) is replaced, not patched, by Argo CD.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#replace-resource-instead-of-applying-changes
 */
export function perVersionService(model: MeshModel, service: Service, version: Version, port: Port | undefined): Manifest {
  const meta = metadata(model, service, version, perVersionServiceName(service, version), SyncWave.destinations);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...meta, annotations: { ...meta.annotations, 'argocd.argoproj.io/sync-options': 'Replace=true' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: versionSelector(service, version),
      ports: [
        ...(port ? [{ name: port.name, port: port.port, targetPort: PROXY_PORTS.inbound, protocol: 'TCP', appProtocol: 'http' }] : []),
        // TCP ports: the inbound TCP listener in front of each (tcp.ts).
        ...inboundTcpPorts(service).map((p) => ({ name: p.port.name, port: p.port.port, targetPort: p.listener, protocol: 'TCP', appProtocol: 'tcp' })),
      ],
    },
  };
}
