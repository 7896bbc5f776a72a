import { z } from 'zod';
import type { Gateway as GatewayModel } from '../model/mesh';
import { WeftConstruct } from './base';
import { dnsLabelSchema, hostsSchema, labelsSchema, portNumberSchema } from './props/common';
import type { RouteProps } from './props/route';
import { Route } from './route';
import type { Mesh } from './mesh';

export const gatewayPropsSchema = z
  .object({
    /** Host names served, e.g. `shop.example.com`. Required. */
    hosts: hostsSchema(true, true),
    /** Namespace of the gateway resource. @default 'istio-system' */
    namespace: dnsLabelSchema.default('istio-system'),
    /** Listener port. @default 443 with `tls`, else 80 */
    port: portNumberSchema.optional(),
    /** Terminate TLS with a Kubernetes TLS secret. @default none */
    tls: z
      .object({
        /** Secret holding `tls.crt` and `tls.key` (Istio `credentialName`). Required. */
        secretName: z.string().min(1),
        /** `mutual` also verifies client certificates. @default 'simple' */
        mode: z.enum(['simple', 'mutual']).default('simple'),
        /** Also listen on 80 and redirect to HTTPS. @default true */
        httpsRedirect: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** Labels of the gateway pods. @default { istio: 'ingressgateway' } */
    selector: labelsSchema().default({ istio: 'ingressgateway' }),
    /**
     * Where the gateway's pods run and as which service account: the identity its requests carry
     * into the mesh, which deny-by-default ALLOW policies admit. Not the Gateway resource's namespace.
     * @default { namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-service-account' } (Istio's istioctl install; with a selector `app` label, that label as the account, as the `gateway` Helm chart names it)
     * @see https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/
     */
    workload: z
      .object({
        /** Namespace of the gateway pods. @default 'istio-system' */
        namespace: dnsLabelSchema.optional(),
        /** Service account of the gateway pods. @default 'istio-ingressgateway-service-account' */
        serviceAccount: dnsLabelSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type GatewayProps = z.input<typeof gatewayPropsSchema>;

/**
 * An ingress gateway: the hosts it serves and the routes from them into the mesh.
 * Created with `mesh.gateway(name, props)`.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export class Gateway extends WeftConstruct {
  private readonly props?: z.output<typeof gatewayPropsSchema>;

  constructor(scope: Mesh, name: string, props: GatewayProps) {
    super(scope, name, '', 'dns-label', 'gateway');
    this.props = this.parseProps(gatewayPropsSchema, props, 'gateway');
  }

  get gatewayName(): string {
    return this.declaredName;
  }

  /** Declares a route from this gateway's hosts into the mesh. */
  route(name: string, props: RouteProps): Route {
    return new Route(this, name, props, { kind: 'gateway', gateway: this.gatewayName }, () => this.props?.hosts ?? []);
  }

  /** @internal */
  _toModel(): GatewayModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return {
      path: this.constructPath,
      location: this.location,
      name: this.gatewayName,
      namespace: p.namespace,
      hosts: p.hosts,
      port: p.port ?? (p.tls ? 443 : 80),
      tls: p.tls,
      selector: p.selector,
      workload: p.workload,
      routes: this.node.children.filter((c): c is Route => c instanceof Route).flatMap((r) => r._toModel() ?? []),
    };
  }
}
