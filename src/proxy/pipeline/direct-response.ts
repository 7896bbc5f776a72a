/** Direct response (Envoy `direct_response`, Istio HTTPDirectResponse): the proxy answers itself. */
import { applyHeaderEdits, type HeaderEdits } from './header-edits';
import { localReply, type Dispatch } from './types';

/** `responseEdits`: the route's response header edits (pipeline/header-edits.ts). */
export function directResponseDispatch(status: number, body: string | undefined, headers: Record<string, string> | undefined, responseEdits: HeaderEdits | null = null): Dispatch {
  const buf = Buffer.from(body ?? '');
  const base = Object.entries(headers ?? {}).flatMap(([k, v]) => [k.toLowerCase(), v]);
  if (body !== undefined && !base.includes('content-type')) base.push('content-type', 'text/plain');
  const editHead = responseEdits === null ? null : (h: string[]): void => applyHeaderEdits(h, responseEdits);
  return (_ex, handler) => localReply(handler, status, base.slice(), buf, editHead);
}
