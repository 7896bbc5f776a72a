/**
 * The inbound listener, in front of the application: the service's own policies (rate limit,
 * fault injection, timeout, connection limits), metrics with reporter="destination", access
 * log, then the application port. The caller's identity comes from x-weft-peer (set by the
 * caller's outbound listener) and is not passed on to the application.
 */
import { removeHeader } from '../pipeline/types';
import type { Runtime } from '../runtime';
import { HttpListener } from './listener';
import { PEER_HEADER } from './outbound';

export function createInboundListener(runtime: () => Runtime): HttpListener {
  return new HttpListener('inbound', runtime, {
    prepare(ex) {
      const peer = ex.header(PEER_HEADER);
      if (peer !== undefined) {
        ex.peer = peer;
        removeHeader(ex.headers, PEER_HEADER);
      }
    },
    resolve: (_ex, rt) => rt.inbound,
  });
}
