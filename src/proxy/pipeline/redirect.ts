/**
 * Redirect (Istio HTTPRedirect, Envoy RedirectAction): answers with `status` (default 301) and a
 * Location built from the request with scheme/authority/port/path replaced as declared; the
 * query string is kept, as Envoy does unless strip_query is set.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 */
import type { RouteConfig, StringMatch } from '../config/schema';
import { applyHeaderEdits, type HeaderEdits } from './header-edits';
import { localReply, type Dispatch } from './types';

type RedirectAction = Extract<RouteConfig['action'], { type: 'redirect' }>;

/** `responseEdits`: the route's response header edits (pipeline/header-edits.ts). */
export function redirectDispatch(a: RedirectAction, pathMatch: StringMatch | undefined, responseEdits: HeaderEdits | null = null): Dispatch {
  const prefix = pathMatch && 'prefix' in pathMatch ? pathMatch.prefix : undefined;
  const editHead = responseEdits === null ? null : (h: string[]): void => applyHeaderEdits(h, responseEdits);
  return (ex, handler) => {
    const q = ex.path.indexOf('?');
    const pathname = q === -1 ? ex.path : ex.path.slice(0, q);
    const query = q === -1 ? '' : ex.path.slice(q);
    let host = a.authority ?? ex.authority;
    if (a.port !== undefined) host = host.replace(/:\d+$/, '') + ':' + a.port;
    let path = pathname;
    if (a.path !== undefined) path = a.path;
    else if (a.prefixRewrite !== undefined && prefix !== undefined) path = a.prefixRewrite + pathname.slice(prefix.length);
    const location = `${a.scheme ?? 'http'}://${host}${path}${query}`;
    localReply(handler, a.status, ['location', location], undefined, editHead);
  };
}
