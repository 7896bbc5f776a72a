import { z } from 'zod';
import type { ExternalService as ExternalServiceModel } from '../model/mesh';
import type { Call } from '../model/service';
import { Protocol } from '../model/service';
import { WeftConstruct } from './base';
import { CALL_TARGET, type CallTarget } from './refs';
import type { NamespaceScope } from './service';

export const ExternalServiceProps = z
  .object({
    /** Host names, e.g. `api.stripe.com`. */
    hosts: z.array(z.string().min(1)).min(1),
    ports: z
      .array(z.object({ port: z.number().int().min(1).max(65535), protocol: z.enum([...Protocol.options, 'https', 'tls']).default('https'), name: z.string().optional() }).strict())
      .min(1)
      .default([{ port: 443, protocol: 'https' }]),
    /**
     * How endpoints are found: `dns` (resolve the hosts), `static` (`addresses`), `none` (as addressed).
     * @default 'dns'
     * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution
     */
    resolution: z.enum(['dns', 'static', 'none']).default('dns'),
    /** Endpoint IPs for `static` resolution. */
    addresses: z.array(z.string()).default([]),
  })
  .strict();
export type ExternalServiceProps = z.input<typeof ExternalServiceProps>;

/**
 * A service outside the mesh (Istio ServiceEntry, Consul terminating gateway destination).
 * Created with `team.externalService(name, props)`; list it in a service's `calls`.
 */
export class ExternalService extends WeftConstruct implements CallTarget {
  readonly namespace: string;
  private readonly props?: z.output<typeof ExternalServiceProps>;

  constructor(scope: NamespaceScope, name: string, props: ExternalServiceProps) {
    super(scope, name);
    this.namespace = scope.namespace;
    this.props = this.parseProps(ExternalServiceProps, props, 'external service');
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
