import { z } from 'zod';
import { DnsLabel, DurationProp, PercentProp } from './common';
import { ResilienceProps } from './resilience';
import { isCallTarget, type CallTarget } from '../refs';
import { MtlsMode } from '../../model/security';
import { Protocol } from '../../model/service';

const PortProps = z
  .object({
    /** Service port. */
    port: z.number().int().min(1).max(65535),
    /** Container port. @default port */
    targetPort: z.number().int().min(1).max(65535).optional(),
    /** @default 'http' */
    protocol: Protocol.default('http'),
    /**
     * Port name. Meshes select the protocol from a `<protocol>-` prefix.
     * @default `<protocol>` or `<protocol>-<port>` when the service has several ports
     * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
     */
    name: z.string().optional(),
  })
  .strict();

const VersionProps = z
  .object({
    /** Container image, with a tag or digest. */
    image: z.string().min(1),
    /** @default 1 */
    replicas: z.number().int().min(0).default(1),
    /** Environment variables. */
    env: z.record(z.string(), z.string()).default({}),
    /** Kubernetes resource requests and limits, e.g. `{ requests: { cpu: '100m', memory: '128Mi' } }`. */
    resources: z
      .object({
        requests: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).strict().optional(),
        limits: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    /** Extra pod labels. `app` and `version` are set by Weft. */
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type VersionProps = z.input<typeof VersionProps>;

const ProbeProps = z
  .object({
    /** HTTP GET path; a TCP check when absent. */
    path: z.string().optional(),
    /** @default the first target port */
    port: z.number().int().positive().optional(),
    /** @default 0s */
    initialDelay: DurationProp.prefault('0s'),
    /** @default 10s */
    period: DurationProp.prefault('10s'),
    /** @default 1s */
    timeout: DurationProp.prefault('1s'),
    /** @default 3 */
    failureThreshold: z.number().int().positive().default(3),
  })
  .strict();

/** File content: a string as is, any other value as stable, pretty JSON. */
const ConfigFile = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);

export const ServiceProps = z
  .object({
    /** Shorthand for a single port. Give `port` or `ports`. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Protocol of `port`. @default 'http' */
    protocol: Protocol.optional(),
    ports: z.array(PortProps).min(1).optional(),
    /** Versions by name (`v1`, `v2`); each becomes a Deployment and a routable subset. */
    versions: z.record(DnsLabel, VersionProps).refine((v) => Object.keys(v).length > 0, 'declare at least one version'),
    probes: z.object({ readiness: ProbeProps.optional(), liveness: ProbeProps.optional(), startup: ProbeProps.optional() }).strict().optional(),
    /** Files mounted from a ConfigMap, by file name. Objects are written as JSON. */
    config: z.record(z.string(), ConfigFile).optional(),
    /** Key/values in the same ConfigMap, exposed as environment variables. */
    configValues: z.record(z.string(), z.string()).optional(),
    /** Where `config` files are mounted. @default /etc/<service> */
    configMountPath: z.string().optional(),
    /** Horizontal pod autoscaling of every version. */
    autoscaling: z
      .object({
        minReplicas: z.number().int().positive(),
        maxReplicas: z.number().int().positive(),
        /** @default 80 when no metric is given */
        targetCpuPercent: z.number().int().positive().optional(),
        targetMemoryPercent: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** PodDisruptionBudget over all versions. */
    disruptionBudget: z
      .object({ minAvailable: z.union([z.number().int().nonnegative(), z.string()]).optional(), maxUnavailable: z.union([z.number().int().nonnegative(), z.string()]).optional() })
      .strict()
      .optional(),
    /** Services and external services this one calls; under deny-by-default only these are allowed. */
    calls: z.array(z.custom<CallTarget>(isCallTarget, { message: 'expected a service or an external service' })).default([]),
    /** @default the service name */
    serviceAccount: DnsLabel.optional(),
    resilience: ResilienceProps.optional(),
    security: z.object({ mtls: MtlsMode.optional() }).strict().optional(),
    observability: z
      .object({ metrics: z.boolean().optional(), accessLogs: z.boolean().optional(), tracingSamplingPercent: PercentProp.optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.port === undefined) === (s.ports === undefined)) ctx.addIssue({ code: 'custom', message: 'give either `port` or `ports`', path: ['port'] });
  });
export type ServiceProps = z.input<typeof ServiceProps>;
export type ParsedServiceProps = z.output<typeof ServiceProps>;
