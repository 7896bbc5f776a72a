/**
 * The Kubernetes objects of a weft gateway, in the gateway's namespace: its ServiceAccount
 * (the gateway's mesh identity), the ConfigMap with its proxy config, a Deployment running the
 * Weft proxy alone (no application: the proxy is the workload, as Istio's ingress gateway is an
 * Envoy without an app), and a LoadBalancer Service mapping the declared ports to the
 * container's. The TLS Secret the gateway declares (Istio's `credentialName`) is mounted as
 * files; a renewed Secret is picked up without a restart. The Namespace is emitted when no
 * team or service declares it (Istio's default, istio-system, usually).
 * @see https://istio.io/latest/docs/setup/additional-setup/gateway/
 */
import type { Gateway, MeshModel } from '../../model/mesh';
import { gatewayWorkload } from '../../model/gateway-workload';
import type { ModelIndex } from '../../model/query';
import type { Manifest } from '../target';
import { commonLabels } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import { CONFIG_DIR, CONFIG_FILE, CONFIG_KEY, PROXY_IMAGE, PROXY_PORTS, configMapName } from './constants';
import { containerPortOf, GATEWAY_TLS_DIR, gatewayServers, gatewayWorkloadName } from './gateway';
import { CERT_DIR, identitySecretName, meshUsesMtls } from './identity';
import { proxyContainerRuntime } from './wiring';

/** Pod labels: the gateway's own, and the declared selector (Istio's `Gateway.selector` names the workload by them). */
export function gatewayPodLabels(g: Gateway): Record<string, string> {
  return { ...g.selector, app: gatewayWorkloadName(g), 'weft.dev/gateway': g.name };
}

function metadata(model: MeshModel, g: Gateway, name: string, wave: number): Manifest['metadata'] {
  return { name, namespace: gatewayWorkload(g).namespace, labels: { ...gatewayPodLabels(g), ...commonLabels(model, gatewayWorkloadName(g)) }, annotations: syncWave(wave) };
}

export function gatewayManifests(ctx: { readonly model: MeshModel; readonly index: ModelIndex }, g: Gateway, json: string): Manifest[] {
  const { model } = ctx;
  const name = gatewayWorkloadName(g);
  const { namespace, serviceAccount } = gatewayWorkload(g);
  const out: Manifest[] = [];
  if (!ctx.index.namespaces().includes(namespace)) {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: commonLabels(model, namespace), annotations: syncWave(SyncWave.namespace) }, spec: {} });
  }
  out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(model, g, serviceAccount, SyncWave.foundation) });
  out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(model, g, configMapName(name), SyncWave.foundation), data: { [CONFIG_KEY]: json } });
  out.push(deployment(model, g));
  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(model, g, name, SyncWave.workloads),
    spec: {
      type: 'LoadBalancer',
      selector: { app: name, 'weft.dev/gateway': g.name },
      ports: gatewayServers(g).map((s) => ({ name: s.name, port: s.port, targetPort: containerPortOf(s.port), protocol: 'TCP', appProtocol: s.tls ? 'https' : 'http' })),
    },
  });
  return out;
}

function deployment(model: MeshModel, g: Gateway): Manifest {
  const name = gatewayWorkloadName(g);
  const identity = meshUsesMtls(model);
  const volumes: Record<string, unknown>[] = [{ name: 'weft-proxy-config', configMap: { name: configMapName(name) } }];
  const mounts: Record<string, unknown>[] = [{ name: 'weft-proxy-config', mountPath: CONFIG_DIR, readOnly: true }];
  if (identity) {
    volumes.push({ name: 'weft-proxy-identity', secret: { secretName: identitySecretName(gatewayWorkload(g)) } });
    mounts.push({ name: 'weft-proxy-identity', mountPath: CERT_DIR, readOnly: true });
  }
  if (g.tls) {
    volumes.push({ name: 'weft-gateway-tls', secret: { secretName: g.tls.secretName } });
    mounts.push({ name: 'weft-gateway-tls', mountPath: GATEWAY_TLS_DIR, readOnly: true });
  }
  const labels = gatewayPodLabels(g);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(model, g, name, SyncWave.workloads),
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name, 'weft.dev/gateway': g.name } },
      template: {
        metadata: {
          labels,
          annotations: model.observability.metrics ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PROXY_PORTS.admin), 'prometheus.io/path': '/metrics' } : {},
        },
        spec: {
          serviceAccountName: gatewayWorkload(g).serviceAccount,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'weft-proxy',
              image: PROXY_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['--config', CONFIG_FILE],
              ports: [
                ...gatewayServers(g).map((s) => ({ name: s.name, containerPort: containerPortOf(s.port), protocol: 'TCP' })),
                { name: 'weft-admin', containerPort: PROXY_PORTS.admin, protocol: 'TCP' },
              ],
              ...proxyContainerRuntime(),
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}
