import { z } from 'zod';
import type { Team as TeamModel } from '../model/mesh';
import { WeftConstruct } from './base';
import { dnsLabelSchema, labelsSchema } from './props/common';
import { Service, type NamespaceScope, type ServiceProps } from './service';
import { ExternalService, type ExternalServiceProps } from './external-service';
import type { Mesh } from './mesh';
import type { Chart } from 'cdk8s';
import { EscapeHatch } from './escape-hatch';

export const teamPropsSchema = z
  .object({
    /** Kubernetes namespace of the team's services. @default the team name */
    namespace: dnsLabelSchema.optional(),
    /** Extra namespace labels. @default none */
    labels: labelsSchema().default({}),
  })
  .strict();
export type TeamProps = z.input<typeof teamPropsSchema>;

/** A team owns a namespace and the services in it. Created with `mesh.team(name, props)`. */
export class Team extends WeftConstruct implements NamespaceScope {
  readonly namespace: string;
  readonly clusterDomain: string;
  private readonly props?: z.output<typeof teamPropsSchema>;
  private escapeHatch?: EscapeHatch;
  private synthesized?: ReturnType<EscapeHatch['synth']>;

  constructor(scope: Mesh, name: string, props: TeamProps = {}) {
    super(scope, name, '', 'dns-label', 'team');
    this.props = this.parseProps(teamPropsSchema, props, 'team');
    this.namespace = this.props?.namespace ?? (this.nameValid ? name : 'invalid-name');
    this.clusterDomain = scope.clusterDomain;
  }

  get teamName(): string {
    return this.declaredName;
  }

  /** Declares a service in this team's namespace. */
  service(name: string, props: ServiceProps): Service {
    return new Service(this, name, props);
  }

  /** Declares a host outside the mesh that services of this team call. */
  externalService(name: string, props: ExternalServiceProps): ExternalService {
    return new ExternalService(this, name, props);
  }

  /**
   * The escape hatch: a cdk8s `Chart` in the team's namespace. Any cdk8s construct added to it
   * (a cdk8s-plus-27 construct, an `ApiObject`, a class imported from a CRD) is written to
   * `dist/<env>/kubernetes/<namespace>/` with Weft's objects, in every environment, validated
   * against its kubernetes-models schema where one exists. docs/kubernetes.md#escape-hatches.
   *
   * ```ts
   * import * as kplus from 'cdk8s-plus-27';
   * new kplus.ConfigMap(team.chart, 'feature-flags', { data: { checkout: 'on' } });
   * ```
   */
  get chart(): Chart {
    this.escapeHatch ??= new EscapeHatch(this.namespace, this.constructPath);
    return this.escapeHatch.chart;
  }

  /** @internal False when the team's name was refused (WEFT010): it and its services stay out of the model. */
  get _valid(): boolean {
    return this.nameValid;
  }

  /** @internal */
  _toModel(): TeamModel {
    // Once: the model may be built more than once (tools, tests), the problems are reported once.
    const first = this.synthesized === undefined;
    const synthesized = (this.synthesized ??= this.escapeHatch?.synth());
    if (first)
      for (const p of synthesized?.problems ?? [])
        this.reportOrThrow({ code: 'WEFT044', severity: 'error', message: `team "${this.teamName}": ${p.message}`, path: p.path, location: p.location, hint: p.hint });
    return {
      path: this.constructPath,
      location: this.location,
      name: this.teamName,
      namespace: this.namespace,
      labels: this.props?.labels ?? {},
      ...(synthesized && synthesized.objects.length > 0 ? { objects: synthesized.objects } : {}),
    };
  }
}
