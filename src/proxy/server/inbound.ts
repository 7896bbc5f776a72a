/**
 * The inbound listeners, in front of the application: the service's own policies (rate limit,
 * fault injection, timeout, connection limits), metrics with reporter="destination", access
 * log, then the application port. The caller's workload labels come from x-weft-peer (set by
 * the caller's outbound listener; with mTLS on, trusted only on a verified connection) and are
 * not passed on to the application. Its identity for authorization is the verified certificate.
 * A workload has one inbound listener per declared HTTP, HTTP/2 or gRPC port (as Envoy's inbound
 * listener has a filter chain per port), each forwarding to its own application port.
 */
import { removeHeader } from '../pipeline/types';
import type { Runtime } from '../runtime';
import { HttpListener } from './listener';
import type { ListenerHooks } from './serve';
import { PEER_HEADER } from './outbound';

const hooks = (resolve: ListenerHooks['resolve']): ListenerHooks => ({
  prepare(ex, rt) {
    const peer = ex.header(PEER_HEADER);
    if (peer !== undefined) {
      // With mTLS on, the metadata header is trusted only from a verified peer certificate:
      // a plaintext caller (PERMISSIVE) cannot claim another workload's labels.
      const mode = rt.config.security.mtls?.mode ?? 'DISABLE';
      if (mode === 'DISABLE' || ex.principal !== '') ex.peer = peer;
      removeHeader(ex.headers, PEER_HEADER);
    }
  },
  resolve,
});

/**
 * `port`: the name of a further inbound listener (listeners.inboundPorts), in front of another
 * application port; absent for the first one (listeners.inbound).
 */
export function createInboundListener(runtime: () => Runtime, port?: string): HttpListener {
  if (port === undefined) return new HttpListener('inbound', runtime, hooks((_ex, rt) => rt.inbound));
  return new HttpListener('inbound', runtime, hooks((_ex, rt) => rt.inboundPort(port)), undefined, port);
}
