import type { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Service, Version } from '../../model/service';
import type { EmitContext, Manifest, WorkloadWiring } from '../target';
import { versionSelector, workloadName } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta, sortedRecord } from './metadata';
import { toProbe } from './probes';

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
 * escalation, not privileged, read-only root filesystem). Because the root filesystem is
 * read-only, every pod gets an `emptyDir` at `/tmp`, where most runtimes write scratch files.
 * Images must therefore run as a non-root user.
 *
 * cdk8s-plus defaults replaced:
 * - resources: cdk8s-plus requests 1 CPU / 512Mi and limits 1.5 CPU / 2Gi for every container
 *   that declares none, which would reserve a whole core per pod; Weft writes the version's
 *   `resources` verbatim (Kubernetes quantities) and nothing when none are declared.
 * - `imagePullPolicy`: cdk8s-plus always writes `Always`; Weft writes Kubernetes's own rule
 *   (`Always` for `:latest` or an untagged image, else `IfNotPresent`), so that pinned images
 *   preloaded on a node (kind, air-gapped clusters) start without a registry.
 *   @see https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
 * - selector: cdk8s-plus selects pods by a `cdk8s.io/metadata.addr` label holding a hash of
 *   the construct path; Weft selects by `app` + `version`, and `emit.ts` removes that label.
 */
export function emitDeployment(
  chart: Chart,
  ctx: EmitContext,
  service: Service,
  version: Version,
  wiring: WorkloadWiring,
  configMap: kplus.ConfigMap | undefined,
): { deployment: kplus.Deployment; finish: (manifest: Manifest) => void } {
  const name = workloadName(service, version);
  const id = `Deployment:${service.namespace}:${name}`;
  const selector = versionSelector(service, version);
  const meta = objectMeta(ctx.model, service.name, name, service.namespace, SyncWave.workloads, selector);
  const podLabels = { ...version.labels, ...meta.labels, ...wiring.podLabels, ...selector };
  const podAnnotations = {
    ...wiring.podAnnotations,
    // `kubectl logs` / `exec` pick the application, not a sidecar.
    'kubectl.kubernetes.io/default-container': service.name,
  };
  const deployment = new kplus.Deployment(chart, id, {
    metadata: meta,
    // Under autoscaling the HPA owns `replicas`: writing it would make every Argo CD sync
    // reset the scale. @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
    replicas: service.autoscaling ? undefined : version.replicas,
    select: false,
    podMetadata: { labels: sortedRecord(podLabels), annotations: sortedRecord(podAnnotations) },
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, `${id}:sa`, service.serviceAccount),
    automountServiceAccountToken: false,
    isolate: false,
    spread: false,
  });
  deployment.select(kplus.LabelSelector.of({ labels: selector }));

  const env: Record<string, kplus.EnvValue> = {};
  for (const [k, v] of Object.entries(sortedRecord(version.env))) env[k] = kplus.EnvValue.fromValue(v);
  // Values by key, not `envFrom`: the ConfigMap also holds the files, which must not become
  // environment variables.
  if (configMap && service.config)
    for (const k of Object.keys(service.config.values).sort()) if (k in configMap.data) env[k] ??= kplus.EnvValue.fromConfigMap(configMap, k);
  // The mesh's variables (the Weft proxy's `HTTP_PROXY`) win: without them the application's
  // calls would bypass the mesh.
  for (const [k, v] of Object.entries(sortedRecord(wiring.appEnv))) env[k] = kplus.EnvValue.fromValue(v);

  const seenPorts = new Set<number>();
  const ports: kplus.ContainerPort[] = [];
  for (const p of service.ports) {
    if (seenPorts.has(p.targetPort)) continue;
    seenPorts.add(p.targetPort);
    ports.push({ number: p.targetPort, ...(CONTAINER_PORT_NAME.test(p.name) ? { name: p.name } : {}) });
  }
  const container = deployment.addContainer({
    name: service.name,
    image: version.image,
    imagePullPolicy: pullPolicy(version.image),
    ports,
    envVariables: env,
    resources: {},
    readiness: toProbe(ctx, service, 'readiness', service.probes.readiness),
    liveness: toProbe(ctx, service, 'liveness', service.probes.liveness),
    startup: toProbe(ctx, service, 'startup', service.probes.startup),
  });
  container.mount('/tmp', kplus.Volume.fromEmptyDir(chart, `${id}:tmp`, 'tmp'));
  const files = Object.keys(service.config?.files ?? {}).filter((k) => configMap && k in configMap.data).sort();
  if (configMap && files.length > 0) {
    const volume = kplus.Volume.fromConfigMap(chart, `${id}:config`, configMap, {
      name: 'config',
      items: Object.fromEntries(files.map((f) => [f, { path: f }])),
    });
    container.mount(service.config!.mountPath, volume, { readOnly: true });
  }

  return { deployment, finish: (manifest) => finishDeployment(manifest, version, wiring) };
}

/**
 * Edits made on the plain object after `chart.toJson()`: cdk8s's generated L1 classes map
 * their output through typed converters that drop what they cannot type (resource
 * quantities given as strings, plain container specs with `IntOrString` ports), so verbatim
 * data from the model and the mesh wiring is added here instead.
 */
function finishDeployment(manifest: Manifest, version: Version, wiring: WorkloadWiring): void {
  const pod = (manifest.spec as { template: { spec: { containers: Record<string, unknown>[]; volumes?: Record<string, unknown>[] } } }).template.spec;
  const resources = version.resources && pruneEmpty(version.resources);
  if (resources) pod.containers[0]!.resources = resources;
  pod.containers.push(...(wiring.containers ?? []).map(clone));
  if (wiring.volumes?.length) pod.volumes = [...(pod.volumes ?? []), ...wiring.volumes.map(clone)];
}

/** The wiring is shared model-derived data; the manifest gets its own copy. */
function clone<T>(value: T): T {
  return structuredClone(value);
}

/** @see https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting */
function pullPolicy(image: string): kplus.ImagePullPolicy {
  if (image.includes('@')) return kplus.ImagePullPolicy.IF_NOT_PRESENT;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  return tag === undefined || tag === 'latest' ? kplus.ImagePullPolicy.ALWAYS : kplus.ImagePullPolicy.IF_NOT_PRESENT;
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
