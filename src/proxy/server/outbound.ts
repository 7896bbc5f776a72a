/**
 * The outbound listener: the application calls it as an explicit HTTP proxy
 * (`GET http://reviews:9080/path`, e.g. HTTP_PROXY) or directly with a Host header. Requests
 * are routed by the config's routes (first match wins), then by service hosts; the proxy adds
 * its workload identity in x-weft-peer for the destination's metrics (what Istio's metadata
 * exchange does) after removing any such header the application sent.
 */
import { removeHeader } from '../pipeline/types';
import type { Runtime } from '../runtime';
import { HttpListener } from './listener';

export const PEER_HEADER = 'x-weft-peer';

export function createOutboundListener(runtime: () => Runtime): HttpListener {
  return new HttpListener('outbound', runtime, {
    prepare(ex, rt) {
      removeHeader(ex.headers, PEER_HEADER);
      ex.headers.push(PEER_HEADER, rt.peerHeader);
    },
    resolve: (ex, rt) => rt.matchOutbound(ex),
  });
}
