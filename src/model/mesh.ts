import { z } from 'zod';
import { NodeMeta, SourceLocation, StringMap } from './common';
import { AuthorizationMode, MtlsMode } from './security';
import { MeshObservability } from './observability';
import { Port, Service } from './service';
import { Route } from './traffic';

/** The data planes Weft compiles to. */
export const MeshFlavour = z.enum(['istio', 'consul', 'weft']);
export type MeshFlavour = z.infer<typeof MeshFlavour>;

export const ServiceOverride = z.object({
  replicas: z.number().int().min(0).optional(),
  versions: z.record(z.string(), z.object({ image: z.string().optional(), replicas: z.number().int().min(0).optional() })).optional(),
});
export type ServiceOverride = z.infer<typeof ServiceOverride>;

export const Environment = z.object({
  name: z.string(),
  mesh: MeshFlavour,
  /** Namespace → service name → override. */
  services: z.record(z.string(), z.record(z.string(), ServiceOverride)),
  security: z.object({ mtls: MtlsMode.optional(), authorization: AuthorizationMode.optional() }),
  observability: MeshObservability.partial(),
  /** Git repository Argo CD syncs `dist/<env>` from. */
  gitops: z.object({ repoUrl: z.string(), targetRevision: z.string(), destinationServer: z.string() }).optional(),
});
export type Environment = z.infer<typeof Environment>;

export const Team = NodeMeta.extend({
  name: z.string(),
  namespace: z.string(),
  labels: StringMap,
});
export type Team = z.infer<typeof Team>;

/** @see https://istio.io/latest/docs/reference/config/networking/gateway/ */
export const Gateway = NodeMeta.extend({
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
  selector: StringMap,
  routes: z.array(Route),
});
export type Gateway = z.infer<typeof Gateway>;

/** @see https://istio.io/latest/docs/reference/config/networking/service-entry/ */
export const ExternalService = NodeMeta.extend({
  name: z.string(),
  namespace: z.string(),
  hosts: z.array(z.string()).min(1),
  ports: z.array(Port).min(1),
  resolution: z.enum(['dns', 'static', 'none']),
  /** Static endpoint addresses (resolution `static`). */
  addresses: z.array(z.string()),
});
export type ExternalService = z.infer<typeof ExternalService>;

export const MeshModel = z.object({
  name: z.string(),
  /** Where the Mesh was created: mesh-wide diagnostics point here. */
  location: SourceLocation.optional(),
  /** SPIFFE trust domain; `cluster.local` unless set. */
  trustDomain: z.string(),
  /** Kubernetes cluster DNS domain. */
  clusterDomain: z.string(),
  environments: z.array(Environment).min(1),
  security: z.object({ mtls: MtlsMode, authorization: AuthorizationMode }),
  observability: MeshObservability,
  teams: z.array(Team),
  services: z.array(Service),
  gateways: z.array(Gateway),
  externalServices: z.array(ExternalService),
});
export type MeshModel = z.infer<typeof MeshModel>;
