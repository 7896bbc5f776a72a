import { Construct } from 'constructs';
import { z } from 'zod';
import { DegradationSwitch } from './degradation';
import type { SwitchProps } from './props/degradation';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { defaultsScopeSchema, gitopsDeliverySchema, meshModelSchema, type MeshModel, meshFlavourSchema, type MeshFlavour, type Environment } from '../model/mesh';
import type { SourceLocation } from '../diagnostics/location';
import { authorizationModeSchema, mtlsModeSchema, pathNormalizationSchema } from '../model/security';
import { WeftConstruct, fieldOf, issueMessage, markAsSink, type DiagnosticSink } from './base';
import { dnsLabelSchema, percentPropSchema } from './props/common';
import { Team, type TeamProps } from './team';
import { Service } from './service';
import { Gateway, type GatewayProps } from './gateway';
import { ExternalService } from './external-service';
import { ObjectPatch, type ObjectPatchProps } from './object-patch';
import { captureLocation } from './location';
import { nameProblem, printableName } from './names';

const observabilityPropsSchema = z
  .object({
    /** Prometheus metrics from every proxy. @default true */
    metrics: z.boolean().optional(),
    /** Distributed tracing. @default off @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/ */
    tracing: z
      .object({
        /** Share of requests traced, in percent. Required. */
        samplingPercent: percentPropSchema,
        /** The mesh's tracing provider name (Istio `Telemetry` `providers`). @default the mesh's default provider */
        provider: z.string().optional(),
        /**
         * OTLP/HTTP traces endpoint the weft proxy exports spans to (JSON encoding), e.g.
         * `http://otel-collector.observability:4318/v1/traces`. Other targets use `provider`.
         * @default no span export by the weft proxy
         * @see https://opentelemetry.io/docs/specs/otlp/#otlphttp
         */
        otlpEndpoint: z.string().regex(/^https?:\/\/[^\s/]+\/\S*$/, 'must be an http(s) URL with a path, e.g. http://otel-collector:4318/v1/traces').optional(),
        /**
         * Host of the tracing provider's collector Service, as `<name>.<namespace>` (e.g.
         * `otel-collector.observability`) or its full name (`….svc.cluster.local`); any other
         * name is an external host (declare it as an `externalService`). Istio sidecars export
         * spans to it themselves, so every Sidecar's egress lists it (docs/istio.md).
         * @default the host of `otlpEndpoint`, else any Service in `istio-system` (where Istio's
         *   Jaeger and Zipkin addons run)
         * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
         */
        collector: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, 'must be a host with its namespace, e.g. otel-collector.observability')
          .optional(),
      })
      .strict()
      .optional(),
    /** Access logs from every proxy. @default false */
    accessLogs: z.boolean().optional(),
  })
  .strict();

/** Where Argo CD finds the manifests and where it applies them. @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/ */
const gitopsPlacePropsSchema = z.object({
  /** Git repository holding the committed dist/ (`spec.source.repoURL`). Required for an environment delivered by Argo CD. */
  repoUrl: z.string().min(1),
  /** Branch, tag or commit Argo CD follows (`spec.source.targetRevision`). Required: Weft does not guess a branch name. */
  targetRevision: z.string().min(1),
  /** Cluster API server (`spec.destination.server`). @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in) */
  destinationServer: z.string().min(1),
  /** AppProject name. @default `<mesh>-<environment>` (per Application), `<mesh>` (ApplicationSet) */
  project: dnsLabelSchema,
});

const gitopsPropsSchema = gitopsPlacePropsSchema.partial()
  .extend({
    /** Namespace Argo CD runs in. @default 'argocd' */
    argocdNamespace: dnsLabelSchema.optional(),
    /** Path of the compiled output in the repository. @default 'dist' */
    distPath: z.string().min(1).optional(),
    /** One `Application` per environment, or one `ApplicationSet` (git directory generator). @default 'application' */
    delivery: gitopsDeliverySchema.optional(),
  })
  .strict();

const environmentPropsSchema = z
  .object({
    /** The data plane this environment runs: `istio`, `consul` or `weft`. Required. */
    mesh: meshFlavourSchema,
    /** Per-service overrides, keyed by `name` or `namespace/name`. @default none */
    services: z
      .record(
        z.string(),
        z
          .object({
            /** Pods of every version of the service (a count). @default the declared replicas */
            replicas: z.number().int().min(0).optional(),
            /** Per-version overrides, by version name. @default none */
            versions: z
              .record(
                z.string(),
                z
                  .object({
                    /** Container image of the version in this environment. @default the declared image */
                    image: z.string().optional(),
                    /** Pods of the version in this environment (a count). @default the service override, else the declared replicas */
                    replicas: z.number().int().min(0).optional(),
                  })
                  .strict(),
              )
              .optional(),
          })
          .strict(),
      )
      .default({}),
    /** Security of this environment. @default the mesh's */
    security: z
      .object({
        /** Peer authentication. @default the mesh's `security.mtls` */
        mtls: mtlsModeSchema.optional(),
        /** Default authorization. @default the mesh's `security.authorization` */
        authorization: authorizationModeSchema.optional(),
      })
      .strict()
      .default({}),
    /** Observability of this environment. @default the mesh's */
    observability: observabilityPropsSchema.default({}),
    /** Where the mesh's defaults are written in this environment's cluster; see the mesh's `defaultsScope`. @default the mesh's */
    defaultsScope: defaultsScopeSchema.optional(),
    /**
     * Deliver this environment with Argo CD: `true` takes the mesh-wide `gitops` settings, an
     * object overrides some of them for this environment. docs/gitops.md. @default not delivered
     */
    gitops: z.union([z.literal(true), gitopsPlacePropsSchema.partial().strict()]).optional(),
    /**
     * Consul settings, for an environment whose mesh is `consul`. `transparentProxy`: callers
     * reach services by their Kubernetes DNS names (consul-k8s's default); `false` gives each
     * workload its calls as upstreams on local ports 21000, 21001, … in call order
     * (`consul.hashicorp.com/connect-service-upstreams`). docs/consul.md. @default { transparentProxy: true }
     * @see https://developer.hashicorp.com/consul/docs/k8s/connect/transparent-proxy
     */
    consul: z
      .object({
        /** Callers reach services by their Kubernetes DNS names. @default true */
        transparentProxy: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /**
     * Degradation switch states in this environment, by switch name (docs/degradation.md).
     * @default each switch's `default`
     */
    switches: z.record(z.string(), z.enum(['on', 'off'])).optional(),
  })
  .strict();

export const meshPropsSchema = z
  .object({
    /** Environments by name, each with its data plane; every environment gets its own `dist/<env>/`. Required. */
    environments: z.record(dnsLabelSchema, environmentPropsSchema).refine((e) => Object.keys(e).length > 0, 'declare at least one environment'),
    /** SPIFFE trust domain of workload identities. @default 'cluster.local' */
    trustDomain: z.string().default('cluster.local'),
    /** Cluster DNS domain. @default 'cluster.local' */
    clusterDomain: z.string().default('cluster.local'),
    /** Mesh-wide security; environments and services may override it. @default { mtls: 'strict', authorization: 'deny-by-default' } */
    security: z
      .object({
        /** Peer authentication: `strict`, `permissive` or `disable`. @default 'strict' @see https://istio.io/latest/docs/reference/config/security/peer_authentication/ */
        mtls: mtlsModeSchema.default('strict'),
        /** `deny-by-default` (only declared calls, gateway routes and allow rules pass) or `allow-all`. @default 'deny-by-default' */
        authorization: authorizationModeSchema.default('deny-by-default'),
        /**
         * Path normalization of every proxy before route matching and authorization, and of the
         * path forwarded: `base` (RFC 3986 dot segments, Istio's default), `merge-slashes` (also
         * `//` → `/`) or `none`. Weft proxy: `http.pathNormalization`; Consul: Mesh
         * `http.incoming.requestNormalization`; Istio: mesh config of the installation, which
         * Weft does not write (WEFT636 when it differs from Istio's default). @default the data plane's default (`base`)
         * @see https://istio.io/latest/docs/reference/config/security/normalization/
         */
        pathNormalization: pathNormalizationSchema.optional(),
      })
      .strict()
      .default({ mtls: 'strict', authorization: 'deny-by-default' }),
    /** Mesh-wide observability; environments and services may override it. @default metrics on, no tracing, no access logs */
    observability: observabilityPropsSchema.default({}),
    /**
     * Where the mesh's defaults (mTLS mode, access logs, metrics, tracing) are written when the
     * data plane has a cluster-wide place for them. `namespaces`: Istio `PeerAuthentication`
     * `default` and `Telemetry` `mesh-default` in each namespace Weft deploys to, leaving other
     * namespaces of the cluster (and other repositories sharing it) alone. `mesh-wide`: one of
     * each in Istio's root namespace `istio-system`, which applies to every namespace of the
     * cluster. docs/istio.md. @default 'namespaces'
     * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
     * @see https://istio.io/latest/docs/tasks/observability/telemetry/#scope-inheritance-and-overrides
     */
    defaultsScope: defaultsScopeSchema.default('namespaces'),
    /** Argo CD settings shared by the environments that set `gitops`. docs/gitops.md. @default none */
    gitops: gitopsPropsSchema.optional(),
  })
  .strict();
export type MeshProps = z.input<typeof meshPropsSchema>;

/**
 * The root of a Weft description: environments, mesh-wide security and observability defaults,
 * teams, gateways. `mesh.config.ts` creates one and exports it as default.
 */
export class Mesh extends Construct implements DiagnosticSink {
  readonly location = captureLocation();
  readonly clusterDomain: string;
  private readonly props?: z.output<typeof meshPropsSchema>;
  private readonly constructionDiagnostics: Diagnostic[] = [];

  constructor(name: string, props: MeshProps) {
    const problem = nameProblem(name, 'dns-label');
    super(undefined as unknown as Construct, problem ? 'invalid-name' : name);
    markAsSink(this);
    if (problem)
      this.addConstructionDiagnostic({
        code: 'WEFT010',
        severity: 'error',
        message: `mesh name ${printableName(name)} ${problem}`,
        path: 'invalid-name',
        location: this.location,
        hint: 'use a short lowercase name such as "shop"; it becomes part of Argo CD object names',
      });
    const parsed = meshPropsSchema.safeParse(props);
    if (parsed.success) this.props = problem ? undefined : parsed.data;
    else
      for (const issue of parsed.error.issues)
        this.addConstructionDiagnostic({
          code: 'WEFT001',
          severity: 'error',
          message: `mesh "${name}": ${issue.path.join('.')}${issue.path.length ? ': ' : ''}${issueMessage(issue)}`,
          path: name,
          location: this.location,
          hint: 'correct the mesh properties; docs/constructs.md lists them',
          field: fieldOf(issue),
        });
    this.clusterDomain = this.props?.clusterDomain ?? 'cluster.local';
  }

  get name(): string {
    return this.node.id;
  }

  /** Declares a team and its namespace. */
  team(name: string, props?: TeamProps): Team {
    return new Team(this, name, props);
  }

  /** Declares a degradation switch (docs/degradation.md); `service.degrade(switch, …)` says what it sheds. */
  switch(name: string, props: SwitchProps): DegradationSwitch {
    return new DegradationSwitch(this, name, props);
  }

  /** Declares an ingress gateway. */
  gateway(name: string, props: GatewayProps): Gateway {
    return new Gateway(this, name, props);
  }

  /** JSON patches (RFC 6902) for objects Weft emits: the escape hatch for fields no construct offers. docs/kubernetes.md#json-patches. */
  patch(name: string, props: ObjectPatchProps): ObjectPatch {
    return new ObjectPatch(this, name, props);
  }

  addConstructionDiagnostic(d: Diagnostic): void {
    this.constructionDiagnostics.push(d);
  }

  /**
   * Builds the frozen model. Construct-time problems (invalid props) come back as diagnostics;
   * the constructs they belong to are left out of the model.
   */
  toModel(): { model?: MeshModel; diagnostics: Diagnostic[] } {
    const diagnostics = [...this.constructionDiagnostics];
    // Building the model reports too (a team's escape-hatch chart that fails to synthesize).
    const reportedBefore = this.constructionDiagnostics.length;
    const p = this.props;
    // Every construct must exist before calls to `_toModel`, which resolve references by name.
    const nodes = this.node.findAll();
    if (!p) return { diagnostics };
    const teams = nodes.filter((c): c is Team => c instanceof Team && c._valid);
    const services = teams.flatMap((t) =>
      t.node.children.filter((c): c is Service => c instanceof Service).flatMap((s) => s._toModel(t.teamName) ?? []),
    );
    const delivered = Object.entries(p.environments).flatMap(([name, e]) =>
      e.gitops ? [{ name, mesh: e.mesh, project: projectOf(this.name, name, p.gitops, e.gitops === true ? {} : e.gitops) }] : [],
    );
    const environments: Environment[] = Object.entries(p.environments).map(([name, e]) => ({
      name,
      mesh: e.mesh,
      services: resolveOverrides(e.services, services, (key, version) =>
        diagnostics.push(
          version === undefined
            ? {
                code: 'WEFT005',
                severity: 'error',
                message: `environment "${name}" overrides service "${key}", which is not declared`,
                path: `${this.name}/environments/${name}`,
                location: this.location,
                hint: 'use the name of a declared service, or `namespace/name` when two namespaces share it',
                field: ['environments', name, 'services', key],
              }
            : {
                code: 'WEFT005',
                severity: 'error',
                message: `environment "${name}" overrides version "${version}" of service "${key}", which the service does not declare; the override would be dropped`,
                path: `${this.name}/environments/${name}`,
                location: this.location,
                hint: 'override one of the versions the service declares, or declare the version on the service',
                field: ['environments', name, 'services', key, 'versions', version],
              },
        ),
      ),
      security: e.security,
      observability: e.observability,
      defaultsScope: e.defaultsScope,
      gitops: e.gitops ? resolveGitops(this.name, name, p.gitops, e.gitops === true ? {} : e.gitops, delivered, this.location) : undefined,
      consul: e.consul,
      switches: e.switches,
    }));
    const model: MeshModel = {
      name: this.name,
      location: this.location,
      trustDomain: p.trustDomain,
      clusterDomain: p.clusterDomain,
      environments,
      security: p.security,
      observability: { metrics: p.observability.metrics ?? true, tracing: p.observability.tracing, accessLogs: p.observability.accessLogs ?? false },
      defaultsScope: p.defaultsScope,
      teams: teams.map((t) => t._toModel()),
      services,
      gateways: nodes.filter((c): c is Gateway => c instanceof Gateway).flatMap((g) => g._toModel() ?? []),
      externalServices: nodes.filter((c): c is ExternalService => c instanceof ExternalService && teams.includes(c.node.scope as Team)).flatMap((x) => x._toModel() ?? []),
      switches: nodes.filter((c): c is DegradationSwitch => c instanceof DegradationSwitch).flatMap((s) => s._toModel() ?? []),
      patches: nodes.filter((c): c is ObjectPatch => c instanceof ObjectPatch).flatMap((x) => x._toModel() ?? []),
    };
    // The schema parse is a guard against Weft bugs (constructs producing a malformed model).
    diagnostics.push(...this.constructionDiagnostics.slice(reportedBefore));
    return { model: deepFreeze(meshModelSchema.parse(model)), diagnostics };
  }
}

/**
 * An environment's Argo CD settings: its own over the mesh-wide ones over the defaults. A
 * missing repository or revision stays missing; the argocd target reports it (WEFT760).
 */
function resolveGitops(
  mesh: string,
  env: string,
  shared: z.output<typeof gitopsPropsSchema> | undefined,
  own: Partial<z.output<typeof gitopsPlacePropsSchema>>,
  environments: { name: string; mesh: MeshFlavour; project: string }[],
  location: SourceLocation | undefined,
): NonNullable<Environment['gitops']> {
  return {
    repoUrl: own.repoUrl ?? shared?.repoUrl,
    targetRevision: own.targetRevision ?? shared?.targetRevision,
    destinationServer: own.destinationServer ?? shared?.destinationServer ?? 'https://kubernetes.default.svc',
    project: projectOf(mesh, env, shared, own),
    argocdNamespace: shared?.argocdNamespace ?? 'argocd',
    distPath: (shared?.distPath ?? 'dist').replace(/\/+$/, ''),
    delivery: shared?.delivery ?? 'application',
    environments,
    overrides: Object.keys(own).sort(),
    location,
  };
}

/** The AppProject: one per environment (`<mesh>-<env>`) for Applications, one per mesh for an ApplicationSet. */
function projectOf(mesh: string, env: string, shared: z.output<typeof gitopsPropsSchema> | undefined, own: Partial<z.output<typeof gitopsPlacePropsSchema>>): string {
  return own.project ?? shared?.project ?? ((shared?.delivery ?? 'application') === 'application' ? `${mesh}-${env}` : mesh);
}

function resolveOverrides(
  overrides: Record<string, Environment['services'][string][string]>,
  services: { namespace: string; name: string; versions: readonly { name: string }[] }[],
  unknown: (key: string, version?: string) => void,
): Environment['services'] {
  const out: Environment['services'] = {};
  for (const [key, override] of Object.entries(overrides)) {
    const [ns, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    const matches = services.filter((s) => s.name === name && (ns === undefined || s.namespace === ns));
    if (matches.length !== 1) {
      unknown(key);
      continue;
    }
    const s = matches[0]!;
    for (const version of Object.keys(override.versions ?? {})) if (!s.versions.some((v) => v.name === version)) unknown(key, version);
    (out[s.namespace] ??= {})[s.name] = override;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export { WeftConstruct };
