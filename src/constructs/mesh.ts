import { Construct } from 'constructs';
import { z } from 'zod';
import type { Diagnostic } from '../analyze/diagnostic';
import { MeshModel, MeshFlavour, type Environment } from '../model/mesh';
import { AuthorizationMode, MtlsMode } from '../model/security';
import { WeftConstruct, fieldOf, markAsSink, type DiagnosticSink } from './base';
import { DnsLabel, PercentProp } from './props/common';
import { Team, type TeamProps } from './team';
import { Service } from './service';
import { Gateway, type GatewayProps } from './gateway';
import { ExternalService } from './external-service';
import { captureLocation } from './location';

const ObservabilityProps = z
  .object({
    /** Prometheus metrics from every proxy. @default true */
    metrics: z.boolean().optional(),
    /** Distributed tracing. @default off */
    tracing: z.object({ samplingPercent: PercentProp, provider: z.string().optional() }).strict().optional(),
    /** Access logs from every proxy. @default false */
    accessLogs: z.boolean().optional(),
  })
  .strict();

const EnvironmentProps = z
  .object({
    /** The data plane this environment runs. */
    mesh: MeshFlavour,
    /** Per-service overrides, keyed by `name` or `namespace/name`. */
    services: z
      .record(
        z.string(),
        z
          .object({
            replicas: z.number().int().min(0).optional(),
            versions: z.record(z.string(), z.object({ image: z.string().optional(), replicas: z.number().int().min(0).optional() }).strict()).optional(),
          })
          .strict(),
      )
      .default({}),
    security: z.object({ mtls: MtlsMode.optional(), authorization: AuthorizationMode.optional() }).strict().default({}),
    observability: ObservabilityProps.default({}),
    /** Where Argo CD finds this environment's manifests. */
    gitops: z.object({ repoUrl: z.string(), targetRevision: z.string().default('main'), destinationServer: z.string().default('https://kubernetes.default.svc') }).strict().optional(),
  })
  .strict();

export const MeshProps = z
  .object({
    /** Environments by name, each with its data plane; every environment gets its own `dist/<env>/`. */
    environments: z.record(DnsLabel, EnvironmentProps).refine((e) => Object.keys(e).length > 0, 'declare at least one environment'),
    /** SPIFFE trust domain of workload identities. @default 'cluster.local' */
    trustDomain: z.string().default('cluster.local'),
    /** Cluster DNS domain. @default 'cluster.local' */
    clusterDomain: z.string().default('cluster.local'),
    security: z
      .object({
        /** @default 'strict' */
        mtls: MtlsMode.default('strict'),
        /** @default 'deny-by-default' */
        authorization: AuthorizationMode.default('deny-by-default'),
      })
      .strict()
      .default({ mtls: 'strict', authorization: 'deny-by-default' }),
    observability: ObservabilityProps.default({}),
  })
  .strict();
export type MeshProps = z.input<typeof MeshProps>;

/**
 * The root of a Weft description: environments, mesh-wide security and observability defaults,
 * teams, gateways. `mesh.config.ts` creates one and exports it as default.
 */
export class Mesh extends Construct implements DiagnosticSink {
  readonly location = captureLocation();
  readonly clusterDomain: string;
  private readonly props?: z.output<typeof MeshProps>;
  private readonly constructionDiagnostics: Diagnostic[] = [];

  constructor(name: string, props: MeshProps) {
    super(undefined as unknown as Construct, name);
    markAsSink(this);
    const parsed = MeshProps.safeParse(props);
    if (parsed.success) this.props = parsed.data;
    else
      for (const issue of parsed.error.issues)
        this.addConstructionDiagnostic({
          code: 'WEFT001',
          severity: 'error',
          message: `mesh "${name}": ${issue.path.join('.')}${issue.path.length ? ': ' : ''}${issue.message}`,
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

  /** Declares an ingress gateway. */
  gateway(name: string, props: GatewayProps): Gateway {
    return new Gateway(this, name, props);
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
    const p = this.props;
    // Every construct must exist before calls to `_toModel`, which resolve references by name.
    const nodes = this.node.findAll();
    if (!p) return { diagnostics };
    const teams = nodes.filter((c): c is Team => c instanceof Team);
    const services = teams.flatMap((t) =>
      t.node.children.filter((c): c is Service => c instanceof Service).flatMap((s) => s._toModel(t.teamName) ?? []),
    );
    const environments: Environment[] = Object.entries(p.environments).map(([name, e]) => ({
      name,
      mesh: e.mesh,
      services: resolveOverrides(e.services, services, (key) =>
        diagnostics.push({
          code: 'WEFT005',
          severity: 'error',
          message: `environment "${name}" overrides service "${key}", which is not declared`,
          path: `${this.name}/environments/${name}`,
          location: this.location,
          hint: 'use the name of a declared service, or `namespace/name` when two namespaces share it',
        }),
      ),
      security: e.security,
      observability: e.observability,
      gitops: e.gitops,
    }));
    const model: MeshModel = {
      name: this.name,
      location: this.location,
      trustDomain: p.trustDomain,
      clusterDomain: p.clusterDomain,
      environments,
      security: p.security,
      observability: { metrics: p.observability.metrics ?? true, tracing: p.observability.tracing, accessLogs: p.observability.accessLogs ?? false },
      teams: teams.map((t) => t._toModel()),
      services,
      gateways: nodes.filter((c): c is Gateway => c instanceof Gateway).flatMap((g) => g._toModel() ?? []),
      externalServices: nodes.filter((c): c is ExternalService => c instanceof ExternalService).flatMap((x) => x._toModel() ?? []),
    };
    // The schema parse is a guard against Weft bugs (constructs producing a malformed model).
    return { model: deepFreeze(MeshModel.parse(model)), diagnostics };
  }
}

function resolveOverrides(
  overrides: Record<string, Environment['services'][string][string]>,
  services: { namespace: string; name: string }[],
  unknown: (key: string) => void,
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
