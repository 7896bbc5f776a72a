/** Direct response (Envoy `direct_response`, Istio HTTPDirectResponse): the proxy answers itself. */
import { localReply, type Dispatch } from './types';

export function directResponseDispatch(status: number, body: string | undefined, headers: Record<string, string> | undefined): Dispatch {
  const buf = Buffer.from(body ?? '');
  const base = Object.entries(headers ?? {}).flatMap(([k, v]) => [k.toLowerCase(), v]);
  if (body !== undefined && !base.includes('content-type')) base.push('content-type', 'text/plain');
  return (_ex, handler) => localReply(handler, status, base.slice(), buf);
}
