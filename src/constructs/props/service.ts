import { z } from 'zod';
import { dnsLabelSchema, durationPropSchema, labelsSchema, percentPropSchema, portNumberSchema, positiveDurationSchema, quantitySchema } from './common';
import { absolutePathSchema, envVarNameSchema, imageRefSchema, jsonValueProblem, mountPropsSchema, portNameSchema, securityContextPropsSchema, volumePropsSchema } from './workload';
import { resiliencePropsSchema } from './resilience';
import { isCallTarget, type CallTarget } from '../refs';
import { mtlsModeSchema } from '../../model/security';
import { protocolSchema } from '../../model/service';

/**
 * A PodDisruptionBudget value: a count, or a percentage `"0%"`–`"100%"`.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget
 */
const intOrPercentSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^(100|[1-9]?\d)%$/, 'must be a whole count or a percentage from "0%" to "100%"')]);

const portPropsSchema = z
  .object({
    /** Service port (TCP). Required. @see https://kubernetes.io/docs/concepts/services-networking/service/#multi-port-services */
    port: portNumberSchema,
    /** Container port (TCP). @default port */
    targetPort: portNumberSchema.optional(),
    /** The application protocol: `http`, `http2`, `grpc` or `tcp`. @default 'http' @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/ */
    protocol: protocolSchema.default('http'),
    /**
     * Port name. Meshes select the protocol from a `<protocol>-` prefix.
     * @default `<protocol>` or `<protocol>-<port>` when the service has several ports
     * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
     */
    name: portNameSchema.optional(),
  })
  .strict();

const versionPropsSchema = z
  .object({
    /** Container image, with a tag or digest. Required. @see https://kubernetes.io/docs/concepts/containers/images/#image-names */
    image: imageRefSchema,
    /** Pod count of this version (a count; 0 keeps the Deployment without pods). @default 1 */
    replicas: z.number().int().min(0).default(1),
    /** Environment variables of the application container, name → value. @default none */
    env: z.record(envVarNameSchema, z.string()).default({}),
    /**
     * Kubernetes resource requests and limits, e.g. `{ requests: { cpu: '100m', memory: '128Mi' } }`.
     * @default none (nothing is written)
     * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
     */
    resources: z
      .object({
        /** What the scheduler reserves. @default none */
        requests: z
          .object({
            /** CPU, a Kubernetes quantity (`'250m'` = a quarter core). @default none */
            cpu: quantitySchema.optional(),
            /** Memory, a Kubernetes quantity (`'128Mi'`). @default none */
            memory: quantitySchema.optional(),
          })
          .strict()
          .optional(),
        /** The most the container may use. @default none */
        limits: z
          .object({
            /** CPU, a Kubernetes quantity. @default none */
            cpu: quantitySchema.optional(),
            /** Memory, a Kubernetes quantity; the container is killed above it. @default none */
            memory: quantitySchema.optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** Extra pod labels. `app` and `version` are set by Weft. @default none */
    labels: labelsSchema(['app', 'version']).default({}),
    /** Security context overrides of this version, over the service's. @default the service's */
    securityContext: securityContextPropsSchema.optional(),
    /** Pod volumes of this version, by name; one named like a service volume replaces it here. @default none */
    volumes: z.record(dnsLabelSchema, volumePropsSchema).optional(),
    /** Mounts of this version, after the service's. @default none */
    mounts: z.array(mountPropsSchema).optional(),
  })
  .strict();
export type VersionProps = z.input<typeof versionPropsSchema>;

const probePropsSchema = z
  .object({
    /** HTTP GET path; a TCP check when absent. @default none (TCP) @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe */
    path: absolutePathSchema.optional(),
    /** The port probed (a container port). @default the first target port */
    port: portNumberSchema.optional(),
    /** Wait before the first probe, a duration (whole seconds in Kubernetes). @default 0s */
    initialDelay: durationPropSchema.prefault('0s'),
    /** Interval between probes, a duration (whole seconds). @default 10s */
    period: positiveDurationSchema.prefault('10s'),
    /** Probe timeout, a duration (whole seconds). @default 1s */
    timeout: positiveDurationSchema.prefault('1s'),
    /** Consecutive failures before the probe fails (a count). @default 3 */
    failureThreshold: z.number().int().positive().default(3),
  })
  .strict();

/** File content: a string as is, any other value as stable, pretty JSON. */
const configFileSchema = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).superRefine((v, ctx) => {
  const problem = typeof v === 'string' ? undefined : jsonValueProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const servicePropsSchema = z
  .object({
    /** Shorthand for a single port (TCP). Give `port` or `ports`. @default none */
    port: portNumberSchema.optional(),
    /** Protocol of `port`. @default 'http' */
    protocol: protocolSchema.optional(),
    /** Several ports. Give `port` or `ports`. @default none */
    ports: z.array(portPropsSchema).min(1).optional(),
    /** Versions by name (`v1`, `v2`); each becomes a Deployment and a routable subset. Required. */
    versions: z.record(dnsLabelSchema, versionPropsSchema).refine((v) => Object.keys(v).length > 0, 'declare at least one version'),
    /** Kubelet probes of the application. @default none @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/ */
    probes: z
      .object({
        /** Whether the pod receives traffic. @default none */
        readiness: probePropsSchema.optional(),
        /** Whether the container is restarted. @default none */
        liveness: probePropsSchema.optional(),
        /** Holds the other probes back until the application has started. @default none */
        startup: probePropsSchema.optional(),
      })
      .strict()
      .optional(),
    /** Files mounted from a ConfigMap, by file name. Objects are written as JSON. @default none */
    config: z.record(z.string(), configFileSchema).optional(),
    /** Key/values in the same ConfigMap, exposed as environment variables. @default none */
    configValues: z.record(envVarNameSchema, z.string()).optional(),
    /** Where `config` files are mounted. @default /etc/<service> */
    configMountPath: absolutePathSchema.optional(),
    /** Horizontal pod autoscaling of every version. @default none @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/ */
    autoscaling: z
      .object({
        /** Fewest pods per version (a count). Required. */
        minReplicas: z.number().int().positive(),
        /** Most pods per version (a count). Required. */
        maxReplicas: z.number().int().positive(),
        /** Average CPU utilization to keep, in percent of the CPU request. @default 80 when no metric is given */
        targetCpuPercent: z.number().int().positive().optional(),
        /** Average memory utilization to keep, in percent of the memory request. @default none */
        targetMemoryPercent: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** PodDisruptionBudget over all versions. @default none @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/ */
    disruptionBudget: z
      .object({
        /** Pods that must stay up, a count or a percentage. Give this or `maxUnavailable`. @default none */
        minAvailable: intOrPercentSchema.optional(),
        /** Pods that may be down, a count or a percentage. @default none */
        maxUnavailable: intOrPercentSchema.optional(),
      })
      .strict()
      .optional(),
    /**
     * Security context of the application container, for every version. Weft's defaults are
     * hardened; an image that runs as root or writes to its root filesystem needs overrides
     * (postgres: `{ runAsUser: 999, fsGroup: 999, readOnlyRootFilesystem: false }`).
     * @default { runAsNonRoot: true, readOnlyRootFilesystem: true }
     * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
     */
    securityContext: securityContextPropsSchema.optional(),
    /** Pod volumes of every version, by name (DNS-1123 label): emptyDir, secret, configMap or persistentVolumeClaim. @default none @see https://kubernetes.io/docs/concepts/storage/volumes/ */
    volumes: z.record(dnsLabelSchema, volumePropsSchema).optional(),
    /** Mounts of declared volumes into the application container of every version. @default none */
    mounts: z.array(mountPropsSchema).optional(),
    /** Services and external services this one calls; under deny-by-default only these are allowed. @default none */
    calls: z.array(z.custom<CallTarget>(isCallTarget, { message: 'expected a service or an external service' })).default([]),
    /** The ServiceAccount, the workload's mesh identity. @default the service name @see https://kubernetes.io/docs/concepts/security/service-accounts/ */
    serviceAccount: dnsLabelSchema.optional(),
    /** Timeouts, retries, circuit breaking, rate limits, load balancing and faults for calls to this service. @default none */
    resilience: resiliencePropsSchema.optional(),
    /** Security overrides of this service. @default the mesh's */
    security: z
      .object({
        /** Peer authentication of calls to this service. @default the mesh's `security.mtls` @see https://istio.io/latest/docs/reference/config/security/peer_authentication/ */
        mtls: mtlsModeSchema.optional(),
      })
      .strict()
      .optional(),
    /** Observability overrides of this service. @default the mesh's */
    observability: z
      .object({
        /** Expose Prometheus metrics. @default the mesh's */
        metrics: z.boolean().optional(),
        /** Write access logs. @default the mesh's */
        accessLogs: z.boolean().optional(),
        /** Share of requests traced, in percent. @default the mesh's */
        tracingSamplingPercent: percentPropSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.port === undefined) === (s.ports === undefined)) ctx.addIssue({ code: 'custom', message: 'give either `port` or `ports`', path: ['port'] });
    // Kubernetes refuses a Service with two ports of one name or number (and cdk8s throws).
    const seenNames = new Map<string, number>();
    const seenPorts = new Map<number, number>();
    (s.ports ?? []).forEach((port, i) => {
      if (port.name !== undefined && seenNames.has(port.name)) ctx.addIssue({ code: 'custom', path: ['ports', i, 'name'], message: `port name "${port.name}" is already used by ports[${seenNames.get(port.name)}]; port names are unique per service` });
      if (seenPorts.has(port.port)) ctx.addIssue({ code: 'custom', path: ['ports', i, 'port'], message: `port ${port.port} is already declared by ports[${seenPorts.get(port.port)}]` });
      if (port.name !== undefined) seenNames.set(port.name, i);
      seenPorts.set(port.port, i);
    });
  });
export type ServiceProps = z.input<typeof servicePropsSchema>;
export type ParsedServiceProps = z.output<typeof servicePropsSchema>;
