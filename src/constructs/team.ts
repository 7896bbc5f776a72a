import { z } from 'zod';
import type { Team as TeamModel } from '../model/mesh';
import { WeftConstruct } from './base';
import { dnsLabelSchema, labelsSchema } from './props/common';
import { Service, type NamespaceScope, type ServiceProps } from './service';
import { ExternalService, type ExternalServiceProps } from './external-service';
import type { Mesh } from './mesh';

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

  /** @internal False when the team's name was refused (WEFT010): it and its services stay out of the model. */
  get _valid(): boolean {
    return this.nameValid;
  }

  /** @internal */
  _toModel(): TeamModel {
    return { path: this.constructPath, location: this.location, name: this.teamName, namespace: this.namespace, labels: this.props?.labels ?? {} };
  }
}
