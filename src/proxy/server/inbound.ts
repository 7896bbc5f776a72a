/**
 * The inbound listener, in front of the application: the service's own policies (rate limit,
 * fault injection, timeout, connection limits), metrics with reporter="destination", access
 * log, then the application port. The caller's workload labels come from x-weft-peer (set by
 * the caller's outbound listener; with mTLS on, trusted only on a verified connection) and are
 * not passed on to the application. Its identity for authorization is the verified certificate.
 */
import { removeHeader } from '../pipeline/types';
import type { Runtime } from '../runtime';
import { HttpListener } from './listener';
import { PEER_HEADER } from './outbound';

export function createInboundListener(runtime: () => Runtime): HttpListener {
  return new HttpListener('inbound', runtime, {
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
    resolve: (_ex, rt) => rt.inbound,
  });
}
