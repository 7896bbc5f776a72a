import type { Service, Version } from '../../model/service';
import type { WorkloadWiring } from '../target';
import { workloadName } from '../../model/names';
import { CONFIG_DIR, CONFIG_FILE, PROXY_IMAGE, PROXY_PORTS, configMapName } from './constants';
import { inboundHttpPorts } from './ports';
import { CERT_DIR } from './identity';
import { SWITCHES_CONFIGMAP, SWITCHES_DIR } from './degradation';
import { inboundTcpPorts, inboundTcpTargetPort, upstreamEnvName } from './tcp';

export const SIDECAR_NAME = 'weft-proxy';
const VOLUME_NAME = 'weft-proxy-config';
const IDENTITY_VOLUME = 'weft-proxy-identity';
const SWITCHES_VOLUME = 'weft-switches';

/**
 * The UID the sidecar runs as: Istio's proxy UID, so that policies written for Istio sidecars
 * (PodSecurity, OPA rules) recognise it, and `runAsNonRoot` holds whatever the image declares.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#pod-requirements
 */
export const PROXY_UID = 1337;

/**
 * What every Weft proxy container shares, sidecar or gateway: the pod's identity from the
 * Downward API (for logs and the proxy's `instance` label), probes on the admin port's `/ready`
 * (503 while draining, so the pod leaves the endpoints first), and a locked-down user.
 */
export function proxyContainerRuntime() {
  const ready = { httpGet: { path: '/ready', port: PROXY_PORTS.admin } };
  return {
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ],
    readinessProbe: { ...ready, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
    livenessProbe: { ...ready, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: PROXY_UID,
      runAsGroup: PROXY_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] as string[] },
    },
  };
}

/**
 * What a workload needs to join a weft mesh:
 * - the `weft-proxy` sidecar, reading /etc/weft/proxy.json from the workload's ConfigMap;
 * - `HTTP_PROXY` for the application, so that its plain-HTTP calls go through the outbound
 *   listener (an explicit proxy: no iptables, no init container, no NET_ADMIN). Both spellings:
 *   curl and wget read only the lower-case one, Go and Python read both. `NO_PROXY` keeps
 *   loopback traffic direct. `grpc_proxy` sends gRPC clients (grpc-js; grpc-go reads
 *   `HTTPS_PROXY`) to the same listener by HTTP CONNECT, which it serves as outbound HTTP/2
 *   (src/proxy/server/connect/tunnel.ts); `HTTPS_PROXY` only for workloads that call external
 *   services over TLS/TCP, whose CONNECTs the proxy passes through to the declared endpoints;
 * - `WEFT_UPSTREAM_<SERVICE>_<PORT>=127.0.0.1:<port>` per TCP port of a called service: the
 *   local bind port that carries the application's plain TCP over mTLS (tcp.ts);
 * - Services that target the inbound listeners (one per HTTP/gRPC port, one per TCP port)
 *   instead of the application's ports;
 * - with metrics on, the conventional `prometheus.io/*` scrape annotations for the admin port
 *   (the Kubernetes target also opens that port to scrapers under deny-by-default).
 */
export function weftWiring(
  service: Service,
  version: Version,
  metrics: boolean,
  identitySecret?: string,
  switches = false,
  httpsProxy = false,
  tcpUpstreams: ReadonlyArray<{ service: Pick<Service, 'name'>; port: { port: number }; bindPort: number }> = [],
): WorkloadWiring {
  const httpPorts = inboundHttpPorts(service);
  const outbound = `http://127.0.0.1:${PROXY_PORTS.outbound}`;
  const noProxy = 'localhost,127.0.0.1';
  return {
    appEnv: {
      HTTP_PROXY: outbound,
      http_proxy: outbound,
      grpc_proxy: outbound,
      // Only for workloads that call TLS/TCP externals: their HTTPS goes through CONNECT (egress control).
      ...(httpsProxy ? { HTTPS_PROXY: outbound, https_proxy: outbound } : {}),
      NO_PROXY: noProxy,
      no_proxy: noProxy,
      ...Object.fromEntries(tcpUpstreams.map((u) => [upstreamEnvName(u.service, u.port), `127.0.0.1:${u.bindPort}`])),
    },
    podAnnotations: metrics ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PROXY_PORTS.admin), 'prometheus.io/path': '/metrics' } : undefined,
    containers: [sidecarContainer(identitySecret !== undefined, switches, httpPorts.slice(1).map((p) => p.listener), inboundTcpPorts(service).map((p) => p.listener))],
    volumes: [
      { name: VOLUME_NAME, configMap: { name: configMapName(workloadName(service, version)) } },
      // The workload identity cert-manager keeps renewed (identity.ts); the proxy re-reads the files.
      ...(identitySecret !== undefined ? [{ name: IDENTITY_VOLUME, secret: { secretName: identitySecret } }] : []),
      // Degradation switch states, flipped without a redeploy (degradation.ts).
      ...(switches ? [{ name: SWITCHES_VOLUME, configMap: { name: SWITCHES_CONFIGMAP } }] : []),
    ],
    // Every port goes through the sidecar: each HTTP/gRPC port to its inbound listener, each TCP port to its inbound TCP listener.
    serviceTargetPort: (port) => httpPorts.find((p) => p.port.targetPort === port)?.listener ?? inboundTcpTargetPort(service, port) ?? port,
  };
}

/**
 * The sidecar container. Probes: readiness on `/ready`, which turns 503 when the proxy drains on
 * SIGTERM, so the endpoint leaves the Service before the listeners close. Liveness on the same
 * cheap static endpoint — an HTTP probe, unlike a TCP one, fails when the event loop hangs —
 * with a budget (3 × 10 s) longer than the proxy's 20 s drain, so a draining proxy is never
 * restarted. Resources: small requests, a memory limit, no CPU limit (CFS throttling of a proxy
 * adds latency to every request).
 */
function sidecarContainer(identity: boolean, switches: boolean, httpListeners: readonly number[], tcpListeners: readonly number[]): Record<string, unknown> {
  return {
    name: SIDECAR_NAME,
    image: PROXY_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    // The image's entrypoint is the bundled proxy (src/proxy/Dockerfile); only its options follow.
    args: ['--config', CONFIG_FILE],
    ports: [
      { name: 'weft-inbound', containerPort: PROXY_PORTS.inbound, protocol: 'TCP' },
      { name: 'weft-admin', containerPort: PROXY_PORTS.admin, protocol: 'TCP' },
      ...httpListeners.map((port, i) => ({ name: `weft-http-${i}`, containerPort: port, protocol: 'TCP' })),
      ...tcpListeners.map((port, i) => ({ name: `weft-tcp-${i}`, containerPort: port, protocol: 'TCP' })),
    ],
    ...proxyContainerRuntime(),
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    volumeMounts: [
      { name: VOLUME_NAME, mountPath: CONFIG_DIR, readOnly: true },
      ...(identity ? [{ name: IDENTITY_VOLUME, mountPath: CERT_DIR, readOnly: true }] : []),
      ...(switches ? [{ name: SWITCHES_VOLUME, mountPath: SWITCHES_DIR, readOnly: true }] : []),
    ],
  };
}
