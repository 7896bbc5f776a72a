import type { Gateway } from '../../model/mesh';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, manifest, type IstioContext } from './common';

/**
 * One Istio Gateway per Weft gateway, in the gateway's namespace: an HTTPS server with the
 * TLS secret (`credentialName`, read by the gateway from its own namespace) and, when
 * `httpsRedirect` is on, a plain HTTP server on 80 that redirects to it. Written before the
 * VirtualServices that bind to it.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
 */
export function gateways(ic: IstioContext): Manifest[] {
  return ic.model.gateways.map((g) =>
    manifest(ic, API.networking, 'Gateway', g.name, g.namespace, g.name, SyncWave.destinations, { selector: g.selector, servers: servers(g) }),
  );
}

function servers(g: Gateway): Record<string, unknown>[] {
  if (!g.tls) return [{ port: { number: g.port, name: `http-${g.port}`, protocol: 'HTTP' }, hosts: g.hosts }];
  const out: Record<string, unknown>[] = [
    {
      port: { number: g.port, name: `https-${g.port}`, protocol: 'HTTPS' },
      hosts: g.hosts,
      tls: { mode: g.tls.mode === 'mutual' ? 'MUTUAL' : 'SIMPLE', credentialName: g.tls.secretName },
    },
  ];
  if (g.tls.httpsRedirect && g.port !== 80) out.push({ port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: g.hosts, tls: { httpsRedirect: true } });
  return out;
}
