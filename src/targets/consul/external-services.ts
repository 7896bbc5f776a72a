import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { crd, type ConsulContext } from './common';

/**
 * External services as transparent-proxy destinations: a ServiceDefaults with `Destination`
 * (the hosts or addresses and the port), which Consul's terminating gateway serves for callers
 * in transparent proxy mode. Chosen over a TerminatingGateway entry that lists services, because
 * it needs no catalog registration of the external host and follows the declared hosts as
 * written. TLS (`https`) is passed through: the protocol is `tcp`, and the caller's TLS
 * reaches the external host with its SNI.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-defaults#destination
 * @see https://developer.hashicorp.com/consul/docs/k8s/connect/terminating-gateways#using-transparent-proxy
 */
export function externalServiceDefaults(cc: ConsulContext): Manifest[] {
  const transparent = cc.ctx.env.consul?.transparentProxy ?? true;
  return cc.model.externalServices.map((e) => {
    if (!transparent)
      cc.report('WEFT700', e, `external service "${e.name}" is written as a transparent-proxy destination, but environment "${cc.ctx.env.name}" turns transparent proxy off, and Consul serves destinations to transparent proxies only`, 'keep transparent proxy on in consul environments that call external services');
    const [port, ...more] = e.ports;
    if (more.length)
      cc.report('WEFT700', e, `external service "${e.name}" declares ${e.ports.length} ports; a Consul destination has one port, so only port ${port!.port} is reachable`, 'declare one external service per port in consul environments');
    const addresses = e.resolution === 'static' && e.addresses.length ? e.addresses : e.hosts;
    return crd(cc.model, 'ServiceDefaults', e.name, e.namespace, e.name, SyncWave.destinations, {
      protocol: port!.protocol,
      destination: { addresses, port: port!.port },
    });
  });
}
