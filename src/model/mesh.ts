import { z } from 'zod';
import { nodeMetaSchema, sourceLocationSchema, stringMapSchema } from './common';
import { degradationSwitchSchema } from './degradation';
import { kubernetesObjectSchema, objectPatchSchema } from './escape-hatch';
import { authorizationModeSchema, mtlsModeSchema, pathNormalizationSchema } from './security';
import { meshObservabilitySchema } from './observability';
import { portSchema, serviceSchema } from './service';
import { routeSchema } from './traffic';

/**
 * Where the mesh's defaults (mTLS mode, telemetry) are written when the data plane has a
 * cluster-wide level for them (Istio's root namespace):
 * - `namespaces`: one object in each namespace Weft deploys to, so that the rest of the cluster
 *   (and another repository sharing it) is left alone;
 * - `mesh-wide`: one object in the root namespace, which applies to every namespace of the cluster.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/tasks/observability/telemetry/#scope-inheritance-and-overrides
 */
export const defaultsScopeSchema = z.enum(['namespaces', 'mesh-wide']);
export type DefaultsScope = z.infer<typeof defaultsScopeSchema>;

/** The data planes Weft compiles to. */
export const meshFlavourSchema = z.enum(['istio', 'consul', 'weft']);
export type MeshFlavour = z.infer<typeof meshFlavourSchema>;

/**
 * How Argo CD receives the environments: one `Application` per environment, or one
 * `ApplicationSet` whose git directory generator finds every environment's folder.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators-Git/
 */
export const gitopsDeliverySchema = z.enum(['application', 'application-set']);
export type GitopsDelivery = z.infer<typeof gitopsDeliverySchema>;

/** Where Argo CD finds an environment's manifests, and where it applies them. */
export const gitopsSettingsSchema = z.object({
  /** Git repository that holds the committed `dist/` (Argo CD `spec.source.repoURL`). */
  repoUrl: z.string().optional(),
  /** Branch, tag or commit Argo CD follows (`spec.source.targetRevision`). */
  targetRevision: z.string().optional(),
  /** API server URL of the cluster (`spec.destination.server`). */
  destinationServer: z.string(),
  /** Argo CD AppProject name. */
  project: z.string(),
  /** Namespace Argo CD runs in; its Applications and AppProjects live there. */
  argocdNamespace: z.string(),
  /** Path of the compiled output inside the repository. */
  distPath: z.string(),
  delivery: gitopsDeliverySchema,
  /** Every environment delivered by Argo CD, in declaration order (an ApplicationSet covers them all). */
  environments: z.array(z.object({ name: z.string(), mesh: meshFlavourSchema, project: z.string() })),
  /** The settings this environment sets itself rather than taking the mesh-wide ones. */
  overrides: z.array(z.string()),
  /** Where the setting was declared, for diagnostics. */
  location: sourceLocationSchema.optional(),
});
export type GitopsSettings = z.infer<typeof gitopsSettingsSchema>;

export const serviceOverrideSchema = z.object({
  replicas: z.number().int().min(0).optional(),
  versions: z.record(z.string(), z.object({ image: z.string().optional(), replicas: z.number().int().min(0).optional() })).optional(),
});
export type ServiceOverride = z.infer<typeof serviceOverrideSchema>;

export const environmentSchema = z.object({
  name: z.string(),
  mesh: meshFlavourSchema,
  /** Namespace → service name → override. */
  services: z.record(z.string(), z.record(z.string(), serviceOverrideSchema)),
  security: z.object({ mtls: mtlsModeSchema.optional(), authorization: authorizationModeSchema.optional() }),
  observability: meshObservabilitySchema.partial(),
  /** Overrides the mesh's `defaultsScope` in this environment (its cluster). */
  defaultsScope: defaultsScopeSchema.optional(),
  /**
   * Argo CD delivery of `dist/<env>`, present when the environment asks for it: the mesh-wide
   * `gitops` settings with the environment's own on top. `repoUrl` and `targetRevision` may be
   * missing here; the argocd target reports that (WEFT760) rather than guessing a branch.
   */
  gitops: gitopsSettingsSchema.optional(),
  /**
   * Settings of a consul environment. `transparentProxy: false` means workloads reach their
   * upstreams on local ports (consul-k8s `connect-service-upstreams`) instead of by DNS name.
   * @see https://developer.hashicorp.com/consul/docs/k8s/connect/transparent-proxy
   */
  consul: z.object({ transparentProxy: z.boolean() }).optional(),
  /** Degradation switch states in this environment (absent: the switch's default). */
  switches: z.record(z.string(), z.enum(['on', 'off'])).optional(),
});
export type Environment = z.infer<typeof environmentSchema>;

export const teamSchema = nodeMetaSchema.extend({
  name: z.string(),
  namespace: z.string(),
  labels: stringMapSchema,
  /** Objects added through the escape hatch (`team.chart`), as plain JSON, in the team's namespace. */
  objects: z.array(kubernetesObjectSchema).optional(),
});
export type Team = z.infer<typeof teamSchema>;

/** @see https://istio.io/latest/docs/reference/config/networking/gateway/ */
export const gatewaySchema = nodeMetaSchema.extend({
  name: z.string(),
  /** Namespace the gateway resource lives in. */
  namespace: z.string(),
  hosts: z.array(z.string()).min(1),
  port: z.number().int().positive(),
  tls: z
    .object({
      /** Kubernetes TLS secret (Istio `credentialName`). */
      secretName: z.string(),
      mode: z.enum(['simple', 'mutual']),
      httpsRedirect: z.boolean(),
    })
    .optional(),
  /** Labels selecting the gateway workload; Istio's default ingress gateway unless set. */
  selector: stringMapSchema,
  /** The gateway pods' namespace and service account as declared; `gatewayWorkload()` (gateway-workload.ts) adds the defaults. */
  workload: z.object({ namespace: z.string().optional(), serviceAccount: z.string().optional() }).optional(),
  routes: z.array(routeSchema),
});
export type Gateway = z.infer<typeof gatewaySchema>;

/** @see https://istio.io/latest/docs/reference/config/networking/service-entry/ */
export const externalServiceSchema = nodeMetaSchema.extend({
  name: z.string(),
  namespace: z.string(),
  hosts: z.array(z.string()).min(1),
  ports: z.array(portSchema).min(1),
  resolution: z.enum(['dns', 'static', 'none']),
  /** Static endpoint addresses (resolution `static`). */
  addresses: z.array(z.string()),
});
export type ExternalService = z.infer<typeof externalServiceSchema>;

export const meshModelSchema = z.object({
  name: z.string(),
  /** Where the Mesh was created: mesh-wide diagnostics point here. */
  location: sourceLocationSchema.optional(),
  /** SPIFFE trust domain; `cluster.local` unless set. */
  trustDomain: z.string(),
  /** Kubernetes cluster DNS domain. */
  clusterDomain: z.string(),
  environments: z.array(environmentSchema).min(1),
  security: z.object({ mtls: mtlsModeSchema, authorization: authorizationModeSchema, pathNormalization: pathNormalizationSchema.optional() }),
  observability: meshObservabilitySchema,
  /** Where mesh-wide defaults are written; see defaultsScopeSchema. */
  defaultsScope: defaultsScopeSchema,
  teams: z.array(teamSchema),
  services: z.array(serviceSchema),
  gateways: z.array(gatewaySchema),
  externalServices: z.array(externalServiceSchema),
  /** Degradation switches (`mesh.switch`). */
  switches: z.array(degradationSwitchSchema).optional(),
  /** JSON patches of emitted objects (`mesh.patch`), in declaration order. */
  patches: z.array(objectPatchSchema).optional(),
  /**
   * Set only in the verification overlay's model (src/verify/overlay/model.ts), never by a user:
   * targets whose proxies can report Envoy's response flags in a response header emit what makes
   * them do so (Istio: src/targets/istio/response-flags-envoy-filter.ts), so `weft verify
   * --target` judges faults, rate limits and breakers as on the weft proxy.
   */
  verification: z.object({ responseFlagsHeader: z.string() }).optional(),
});
export type MeshModel = z.infer<typeof meshModelSchema>;
