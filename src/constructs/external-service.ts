import { z } from 'zod';
import type { ExternalService as ExternalServiceModel } from '../model/mesh';
import type { Call } from '../model/service';
import { protocolSchema } from '../model/service';
import { WeftConstruct } from './base';
import { hostsSchema } from './props/common';
import { ipSchema } from './props/networking';
import { portNameSchema } from './props/workload';
import { CALL_TARGET, type CallTarget } from './refs';
import type { NamespaceScope } from './service';

export const externalServicePropsSchema = z
  .object({
    /** Host names, e.g. `api.stripe.com`. Required. */
    hosts: hostsSchema(false),
    /** Ports the service is reached on. @default [{ port: 443, protocol: 'https' }] @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServicePort */
    ports: z
      .array(
        z
          .object({
            /** The port (TCP). Required. */
            port: z.number().int().min(1).max(65535),
            /** `http`, `http2`, `grpc`, `tcp`, `https` or `tls`. @default 'https' */
            protocol: z.enum([...protocolSchema.options, 'https', 'tls']).default('https'),
            /** Port name. @default `<protocol>-<port>` */
            name: portNameSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .default([{ port: 443, protocol: 'https' }]),
    /**
     * How endpoints are found: `dns` (resolve the hosts), `static` (`addresses`), `none` (as addressed).
     * @default 'dns'
     * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution
     */
    resolution: z.enum(['dns', 'static', 'none']).default('dns'),
    /** Endpoint IPs for `static` resolution. @default none */
    addresses: z.array(ipSchema).default([]),
  })
  .strict();
export type ExternalServiceProps = z.input<typeof externalServicePropsSchema>;

/**
 * A service outside the mesh (Istio ServiceEntry, Consul terminating gateway destination).
 * Created with `team.externalService(name, props)`; list it in a service's `calls`.
 */
export class ExternalService extends WeftConstruct implements CallTarget {
  readonly namespace: string;
  private readonly props?: z.output<typeof externalServicePropsSchema>;

  constructor(scope: NamespaceScope, name: string, props: ExternalServiceProps) {
    super(scope, name, '', 'dns-label', 'external service');
    this.namespace = scope.namespace;
    this.props = this.parseProps(externalServicePropsSchema, props, 'external service');
  }

  [CALL_TARGET](): Call['target'] {
    return { kind: 'external', name: this.declaredName };
  }

  /** @internal */
  _toModel(): ExternalServiceModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return {
      path: this.constructPath,
      location: this.location,
      name: this.declaredName,
      namespace: this.namespace,
      hosts: p.hosts,
      // `https` and `tls` are TLS passthrough to the mesh: TCP with SNI.
      ports: p.ports.map((port) => {
        const protocol = port.protocol === 'https' || port.protocol === 'tls' ? 'tcp' : port.protocol;
        return { name: port.name ?? `${port.protocol}-${port.port}`, port: port.port, targetPort: port.port, protocol };
      }),
      resolution: p.resolution,
      addresses: p.addresses,
    };
  }
}
