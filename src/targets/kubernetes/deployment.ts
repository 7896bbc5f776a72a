import type { Service, Version } from '../../model/service';
import type { EmitContext, Manifest, WorkloadWiring } from '../target';
import { versionSelector } from '../naming';
import { workloadName } from '../../model/names';
import { SyncWave } from '../sync-waves';
import { objectMeta, sortedRecord } from './metadata';
import { toProbe } from './probes';
import type { ConfigMapRef } from './config-map';
import { writesAutoscaler } from './autoscaler';
import { securityContexts } from './security-context';
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from './config-checksum';
import { CONFIG_VOLUME, TMP_VOLUME, userVolumes } from './pod-volumes';

/** @see https://kubernetes.io/docs/concepts/services-networking/service/#multi-port-services (IANA_SVC_NAME) */
const CONTAINER_PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

/**
 * One Deployment per version, `<service>-<version>`, selecting its pods by `app` + `version`.
 *
 * cdk8s-plus defaults kept (each is also Kubernetes's own default or a hardening worth
 * having, and all are explicit so that a cluster upgrade cannot change them silently):
 * RollingUpdate 25%/25%, `progressDeadlineSeconds: 600`, `minReadySeconds: 0`,
 * `terminationGracePeriodSeconds: 30`, `dnsPolicy: ClusterFirst`, `restartPolicy: Always`,
 * no host network, and the restricted-style security context (`runAsNonRoot`, no privilege
 * escalation, not privileged, read-only root filesystem; the first two and `fsGroup`,
 * `runAsUser`, `runAsGroup` can be overridden per service and version, security-context.ts).
 * Because the root filesystem is read-only, every pod gets an `emptyDir` at `/tmp`, where most
 * runtimes write scratch files, unless the user mounts a volume there (pod-volumes.ts).
 *
 * cdk8s-plus defaults replaced:
 * - resources: cdk8s-plus requests 1 CPU / 512Mi and limits 1.5 CPU / 2Gi for every container
 *   that declares none, which would reserve a whole core per pod; Weft writes the version's
 *   `resources` verbatim (Kubernetes quantities) and nothing when none are declared.
 * - `imagePullPolicy`: cdk8s-plus always writes `Always`; Weft writes Kubernetes's own rule
 *   (`Always` for `:latest` or an untagged image, else `IfNotPresent`), so that pinned images
 *   preloaded on a node (kind, air-gapped clusters) start without a registry.
 *   @see https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
 * - selector: cdk8s-plus selected pods by a `cdk8s.io/metadata.addr` label holding a hash of
 *   the construct path; Weft selects by `app` + `version`.
 *
 * The mesh's wiring (ctx.wiring) adds the sidecar containers after the application's, and
 * their volumes after the pod's own; each is a copy, since the wiring is shared data.
 */
export function deployment(ctx: EmitContext, service: Service, version: Version, wiring: WorkloadWiring, configMap: ConfigMapRef | undefined): Manifest {
  const name = workloadName(service, version);
  const selector = versionSelector(service, version);
  const meta = objectMeta(ctx.model, service.name, name, service.namespace, SyncWave.workloads, selector);
  const podLabels = { ...version.labels, ...meta.labels, ...wiring.podLabels, ...selector };
  const checksum = configChecksum(ctx, service, version, configMap);
  const podAnnotations = {
    ...wiring.podAnnotations,
    // A new checksum is a new pod template: a config change rolls the pods (config-checksum.ts).
    ...(checksum ? { [CONFIG_CHECKSUM_ANNOTATION]: checksum } : {}),
    // `kubectl logs` / `exec` pick the application, not a sidecar.
    'kubectl.kubernetes.io/default-container': service.name,
  };

  // Insertion order is the order of `env`: the version's values (sorted), then the config
  // values by key, then the mesh's.
  const env: Record<string, { value?: string; valueFrom?: unknown }> = {};
  for (const [k, v] of Object.entries(sortedRecord(version.env))) env[k] = { value: v };
  // Values by key, not `envFrom`: the ConfigMap also holds the files, which must not become
  // environment variables.
  if (configMap && service.config)
    for (const k of Object.keys(service.config.values).sort()) if (k in configMap.data) env[k] ??= { valueFrom: { configMapKeyRef: { key: k, name: configMap.name } } };
  // The mesh's variables (the Weft proxy's `HTTP_PROXY`) win: without them the application's
  // calls would bypass the mesh.
  for (const [k, v] of Object.entries(sortedRecord(wiring.appEnv))) env[k] = { value: v };

  const seenPorts = new Set<number>();
  const portNames = new Set<string>();
  const ports: Array<{ containerPort: number; name?: string }> = [];
  for (const p of service.ports) {
    if (seenPorts.has(p.targetPort)) continue;
    seenPorts.add(p.targetPort);
    const portName = CONTAINER_PORT_NAME.test(p.name) ? p.name : undefined;
    // A pod cannot have two container ports of one name (cdk8s-plus's Container.addPort check).
    if (portName !== undefined && portNames.has(portName)) throw new Error(`Port with name ${portName} already exists`);
    if (portName !== undefined) portNames.add(portName);
    ports.push({ containerPort: p.targetPort, ...(portName !== undefined ? { name: portName } : {}) });
  }
  const readinessProbe = toProbe(ctx, service, 'readiness', service.probes.readiness);
  const livenessProbe = toProbe(ctx, service, 'liveness', service.probes.liveness);
  const startupProbe = toProbe(ctx, service, 'startup', service.probes.startup);

  const reserved = [TMP_VOLUME, CONFIG_VOLUME, ...(wiring.volumes ?? []).map((v) => String(v.name))];
  const declared = userVolumes(ctx, service, version, reserved);
  // Order: Weft's scratch /tmp (unless the user mounts their own there), the config files, the
  // user's volumes (sorted by name) and mounts (as declared), then the mesh's volumes.
  const volumeMounts: Record<string, unknown>[] = declared.ownsTmp ? [] : [{ mountPath: '/tmp', name: TMP_VOLUME }];
  const volumes: Record<string, unknown>[] = declared.ownsTmp ? [] : [{ emptyDir: {}, name: TMP_VOLUME }];
  const files = Object.keys(service.config?.files ?? {}).filter((k) => configMap && k in configMap.data).sort();
  if (configMap && files.length > 0) {
    volumeMounts.push({ mountPath: service.config!.mountPath, name: CONFIG_VOLUME, readOnly: true });
    volumes.push({ configMap: { items: files.map((f) => ({ key: f, path: f })), name: configMap.name }, name: CONFIG_VOLUME });
  }
  volumes.push(...declared.volumes);
  volumeMounts.push(...declared.mounts);
  volumes.push(...(wiring.volumes ?? []).map(clone));
  const security = securityContexts(ctx, service, version);
  const resources = version.resources && pruneEmpty(version.resources);

  const container: Record<string, unknown> = {
    ...(Object.keys(env).length > 0 ? { env: Object.entries(env).map(([k, v]) => ({ name: k, ...v })) } : {}),
    image: version.image,
    imagePullPolicy: pullPolicy(version.image),
    ...(livenessProbe ? { livenessProbe } : {}),
    name: service.name,
    ...(ports.length > 0 ? { ports } : {}),
    ...(readinessProbe ? { readinessProbe } : {}),
    ...(resources ? { resources } : {}),
    securityContext: security.container,
    ...(startupProbe ? { startupProbe } : {}),
    volumeMounts,
  };
  const spec: Record<string, unknown> = {
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
    // Under autoscaling the HPA owns `replicas` (autoscaler.ts, `writesAutoscaler`); an
    // autoscaled service whose autoscaler could not be written (WEFT663) gets cdk8s-plus's
    // default of 2.
    ...(writesAutoscaler(service) ? {} : { replicas: service.autoscaling ? 2 : version.replicas }),
    selector: { matchLabels: { ...selector } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { annotations: sortedRecord(podAnnotations), labels: sortedRecord(podLabels) },
      spec: {
        automountServiceAccountToken: false,
        containers: [container, ...(wiring.containers ?? []).map(clone)],
        dnsPolicy: 'ClusterFirst',
        hostNetwork: false,
        restartPolicy: 'Always',
        securityContext: security.pod,
        serviceAccountName: service.serviceAccount,
        setHostnameAsFQDN: false,
        terminationGracePeriodSeconds: 30,
        volumes,
      },
    },
  };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec };
}

/** The wiring is shared model-derived data; the manifest gets its own copy. */
function clone<T>(value: T): T {
  return structuredClone(value);
}

/** @see https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting */
function pullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function pruneEmpty(r: NonNullable<Version['resources']>): Record<string, Record<string, string>> | undefined {
  const out: Record<string, Record<string, string>> = {};
  for (const side of ['limits', 'requests'] as const) {
    const q = r[side];
    if (!q) continue;
    const kept = sortedRecord(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<string, string>);
    if (Object.keys(kept).length > 0) out[side] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
