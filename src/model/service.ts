import { z } from 'zod';
import { millisSchema, nodeMetaSchema, serviceRefSchema, stringMapSchema } from './common';
import { callFallbackSchema, degradationSchema } from './degradation';
import { resilienceSchema } from './resilience';
import { authzTargetSchema, serviceSecuritySchema } from './security';
import { serviceObservabilitySchema } from './observability';
import { routeSchema } from './traffic';

/** @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/ */
export const protocolSchema = z.enum(['http', 'http2', 'grpc', 'tcp']);
export type Protocol = z.infer<typeof protocolSchema>;

export const portSchema = z.object({
  /** Port name; prefixed with the protocol (`http-web`) so that meshes need not sniff. */
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  targetPort: z.number().int().min(1).max(65535),
  protocol: protocolSchema,
});
export type Port = z.infer<typeof portSchema>;

export const resourceRequirementsSchema = z.object({
  requests: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
  limits: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
});
export type ResourceRequirements = z.infer<typeof resourceRequirementsSchema>;

/**
 * The application container's security context, resolved: Weft's hardened defaults, the
 * service's overrides, then the version's. `fsGroup` is pod-level in Kubernetes.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
export const securityContextSchema = z.object({
  runAsNonRoot: z.boolean(),
  readOnlyRootFilesystem: z.boolean(),
  runAsUser: z.number().int().min(0).optional(),
  runAsGroup: z.number().int().min(0).optional(),
  fsGroup: z.number().int().min(0).optional(),
});
export type SecurityContext = z.infer<typeof securityContextSchema>;

/** `key → relative path` of a Secret or ConfigMap volume; every key when absent. */
const volumeItemsSchema = z.record(z.string(), z.string()).optional();

/**
 * A pod volume the user declared, by kind; the fields are Kubernetes's own.
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export const volumeSchema = z.discriminatedUnion('type', [
  z.object({ name: z.string(), type: z.literal('emptyDir'), medium: z.literal('Memory').optional(), sizeLimit: z.string().optional() }),
  z.object({ name: z.string(), type: z.literal('secret'), secretName: z.string(), items: volumeItemsSchema, optional: z.boolean().optional(), defaultMode: z.number().int().optional() }),
  z.object({ name: z.string(), type: z.literal('configMap'), configMap: z.string(), items: volumeItemsSchema, optional: z.boolean().optional(), defaultMode: z.number().int().optional() }),
  z.object({ name: z.string(), type: z.literal('persistentVolumeClaim'), claimName: z.string(), readOnly: z.boolean().optional() }),
]);
export type Volume = z.infer<typeof volumeSchema>;

/** A mount of a declared volume into the application container. */
export const volumeMountSchema = z.object({
  volume: z.string(),
  mountPath: z.string(),
  readOnly: z.boolean(),
  subPath: z.string().optional(),
});
export type VolumeMount = z.infer<typeof volumeMountSchema>;

export const versionSchema = nodeMetaSchema.extend({
  name: z.string(),
  image: z.string(),
  replicas: z.number().int().min(0),
  env: stringMapSchema,
  resources: resourceRequirementsSchema.optional(),
  /** Extra pod labels; `app` and `version` are always set by Weft. */
  labels: stringMapSchema,
  /** The application container's security context (service's and version's merged); Weft's hardened defaults when absent. */
  securityContext: securityContextSchema.optional(),
  /** Pod volumes the user declared (the service's, then the version's; a version's volume replaces the service's of its name). */
  volumes: z.array(volumeSchema).optional(),
  /** Mounts into the application container (the service's, then the version's). */
  mounts: z.array(volumeMountSchema).optional(),
});
export type Version = z.infer<typeof versionSchema>;

export const probeSchema = z.object({
  /** HTTP GET path; a TCP probe when absent. */
  httpPath: z.string().optional(),
  port: z.number().int().positive(),
  initialDelayMs: millisSchema,
  periodMs: millisSchema,
  timeoutMs: millisSchema,
  failureThreshold: z.number().int().positive(),
});
export type Probe = z.infer<typeof probeSchema>;

export const serviceConfigSchema = z.object({
  /** ConfigMap name. */
  name: z.string(),
  /**
   * File name → content: a string is the file's text; any other value is a JSON document, which
   * synth writes as stable JSON (keys sorted, two-space indent, trailing newline).
   */
  files: z.record(z.string(), z.unknown()),
  /** Key → value, exposed to containers as environment variables. */
  values: stringMapSchema,
  mountPath: z.string(),
});
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

export const autoscalingSchema = z.object({
  minReplicas: z.number().int().positive(),
  maxReplicas: z.number().int().positive(),
  targetCpuPercent: z.number().int().positive().optional(),
  targetMemoryPercent: z.number().int().positive().optional(),
});
export type Autoscaling = z.infer<typeof autoscalingSchema>;

export const disruptionBudgetSchema = z.object({
  minAvailable: z.union([z.number().int().nonnegative(), z.string()]).optional(),
  maxUnavailable: z.union([z.number().int().nonnegative(), z.string()]).optional(),
});
export type DisruptionBudget = z.infer<typeof disruptionBudgetSchema>;

/** A dependency edge: this service calls `target` (a service or an external service). */
export const callSchema = nodeMetaSchema.extend({
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('service'), service: serviceRefSchema }),
    z.object({ kind: z.literal('external'), name: z.string() }),
  ]),
  /**
   * A narrowed call (`callee.only({ methods: ['GET'] })`): under deny-by-default the caller may
   * make only these requests, instead of any request to the callee (model/grants.ts).
   */
  only: authzTargetSchema.optional(),
});
export type Call = z.infer<typeof callSchema>;

export const serviceSchema = nodeMetaSchema.extend({
  name: z.string(),
  namespace: z.string(),
  team: z.string(),
  ports: z.array(portSchema).min(1),
  versions: z.array(versionSchema),
  probes: z.object({ readiness: probeSchema.optional(), liveness: probeSchema.optional(), startup: probeSchema.optional() }),
  config: serviceConfigSchema.optional(),
  autoscaling: autoscalingSchema.optional(),
  disruptionBudget: disruptionBudgetSchema.optional(),
  calls: z.array(callSchema),
  serviceAccount: z.string(),
  resilience: resilienceSchema,
  security: serviceSecuritySchema,
  observability: serviceObservabilitySchema,
  routes: z.array(routeSchema),
  /** Degradation rules (`service.degrade`): calls answered without reaching the callee while a switch is on. */
  degrade: z.array(degradationSchema).optional(),
  /** Fallbacks for this service's calls to one service (`service.fallbackFor`), in declaration order. */
  callFallbacks: z.array(callFallbackSchema).optional(),
});
export type Service = z.infer<typeof serviceSchema>;
