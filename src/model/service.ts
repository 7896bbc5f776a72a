import { z } from 'zod';
import { Millis, NodeMeta, ServiceRef, StringMap } from './common';
import { Resilience } from './resilience';
import { ServiceSecurity } from './security';
import { ServiceObservability } from './observability';
import { Route } from './traffic';

/** @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/ */
export const Protocol = z.enum(['http', 'http2', 'grpc', 'tcp']);
export type Protocol = z.infer<typeof Protocol>;

export const Port = z.object({
  /** Port name; prefixed with the protocol (`http-web`) so that meshes need not sniff. */
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  targetPort: z.number().int().min(1).max(65535),
  protocol: Protocol,
});
export type Port = z.infer<typeof Port>;

export const ResourceRequirements = z.object({
  requests: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
  limits: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const Version = NodeMeta.extend({
  name: z.string(),
  image: z.string(),
  replicas: z.number().int().min(0),
  env: StringMap,
  resources: ResourceRequirements.optional(),
  /** Extra pod labels; `app` and `version` are always set by Weft. */
  labels: StringMap,
});
export type Version = z.infer<typeof Version>;

export const Probe = z.object({
  /** HTTP GET path; a TCP probe when absent. */
  httpPath: z.string().optional(),
  port: z.number().int().positive(),
  initialDelayMs: Millis,
  periodMs: Millis,
  timeoutMs: Millis,
  failureThreshold: z.number().int().positive(),
});
export type Probe = z.infer<typeof Probe>;

export const ServiceConfig = z.object({
  /** ConfigMap name. */
  name: z.string(),
  /** File name → file content (already rendered: objects become stable JSON). */
  files: StringMap,
  /** Key → value, exposed to containers as environment variables. */
  values: StringMap,
  mountPath: z.string(),
});
export type ServiceConfig = z.infer<typeof ServiceConfig>;

export const Autoscaling = z.object({
  minReplicas: z.number().int().positive(),
  maxReplicas: z.number().int().positive(),
  targetCpuPercent: z.number().int().positive().optional(),
  targetMemoryPercent: z.number().int().positive().optional(),
});
export type Autoscaling = z.infer<typeof Autoscaling>;

export const DisruptionBudget = z.object({
  minAvailable: z.union([z.number().int().nonnegative(), z.string()]).optional(),
  maxUnavailable: z.union([z.number().int().nonnegative(), z.string()]).optional(),
});
export type DisruptionBudget = z.infer<typeof DisruptionBudget>;

/** A dependency edge: this service calls `target` (a service or an external service). */
export const Call = NodeMeta.extend({
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('service'), service: ServiceRef }),
    z.object({ kind: z.literal('external'), name: z.string() }),
  ]),
});
export type Call = z.infer<typeof Call>;

export const Service = NodeMeta.extend({
  name: z.string(),
  namespace: z.string(),
  team: z.string(),
  ports: z.array(Port).min(1),
  versions: z.array(Version),
  probes: z.object({ readiness: Probe.optional(), liveness: Probe.optional(), startup: Probe.optional() }),
  config: ServiceConfig.optional(),
  autoscaling: Autoscaling.optional(),
  disruptionBudget: DisruptionBudget.optional(),
  calls: z.array(Call),
  serviceAccount: z.string(),
  resilience: Resilience,
  security: ServiceSecurity,
  observability: ServiceObservability,
  routes: z.array(Route),
});
export type Service = z.infer<typeof Service>;
