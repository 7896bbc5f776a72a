/**
 * A gateway server's HTTP listener: the edge of the mesh. Per request, in Envoy's order for an
 * ingress listener:
 * - the server's `hosts` decide whether it answers at all (others: 404 NR, as a virtual host
 *   that does not exist);
 * - `httpsRedirect`: 301 to `https://<host><path>` (Envoy `require_tls: ALL`), the port dropped
 *   so that the default HTTPS port is used;
 * - the request is then matched against the config's routes only — never a service's mesh host,
 *   which an outside client must not be able to name.
 * Headers: an `x-weft-peer` from outside is removed and the gateway's own identity sent on (the
 * services behind it see the gateway as their caller, as Istio's metadata exchange does);
 * `x-forwarded-proto` is set to the scheme the client used and the client address appended to
 * `x-forwarded-for` (Envoy's `use_remote_address: true`, which Istio sets on gateways).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-for
 */
import type { GatewayServerConfig } from '../../config/gateway-schema';
import { getHeader, localReply, removeHeader, setHeader } from '../../pipeline/types';
import { compileHosts } from '../../routing/match';
import type { CompiledRoute } from '../../routing/route';
import type { Runtime } from '../../runtime';
import { HttpListener } from '../listener';
import { PEER_HEADER } from '../outbound';

/** The host part of an authority (`[v6]:port`, `name:port`, `name`). */
function hostOf(authority: string): string {
  const colon = authority.lastIndexOf(':');
  return colon > authority.lastIndexOf(']') ? authority.slice(0, colon) : authority;
}

function httpsRedirect(server: string): CompiledRoute {
  return {
    name: `${server}/https-redirect`,
    matches: () => true,
    dispatch: (ex, handler) => localReply(handler, 301, ['location', `https://${hostOf(ex.authority)}${ex.path}`]),
  };
}

export function createGatewayListener(server: GatewayServerConfig, runtime: () => Runtime): HttpListener {
  const serves = compileHosts(server.hosts);
  const redirect = server.httpsRedirect ? httpsRedirect(server.name) : null;
  const proto = server.tls ? 'https' : 'http';
  return new HttpListener(
    'gateway',
    runtime,
    {
      prepare(ex, rt) {
        removeHeader(ex.headers, PEER_HEADER);
        ex.headers.push(PEER_HEADER, rt.peerHeader);
        setHeader(ex.headers, 'x-forwarded-proto', proto);
        const xff = getHeader(ex.headers, 'x-forwarded-for');
        setHeader(ex.headers, 'x-forwarded-for', xff ? `${xff}, ${ex.clientAddress}` : ex.clientAddress);
      },
      resolve(ex, rt) {
        if (!serves(ex.authority)) return null;
        return redirect ?? rt.matchRoute(ex);
      },
    },
    { name: server.name, http2: server.http2 },
  );
}
