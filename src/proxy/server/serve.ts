/**
 * What every listener does with a parsed request, whatever its protocol: path normalization,
 * trace context, the listener kind's `prepare` (metadata headers), route resolution (404 NR
 * when none), then the route's chain with the protocol's response writer at its downstream end.
 *
 * Path normalization happens before matching and the normalized path is what goes upstream, as
 * with Envoy's `normalize_path` (Istio's default `BASE`): otherwise `/public/../admin` would
 * match a `/public` prefix route and reach the upstream's `/admin`, bypassing route-based rules.
 * @see https://istio.io/latest/docs/reference/config/security/normalization/
 */
import type { Exchange } from '../exchange';
import { localReply } from '../pipeline/types';
import type { CompiledRoute } from '../routing/route';
import type { Runtime } from '../runtime';
import { normalizePath } from '../security/path-normalize';
import { applyTracing } from '../tracing';
import type { ResponseWriter } from './response-writer';

export interface ListenerHooks {
  /** Adjust the request before routing (metadata headers). */
  prepare(ex: Exchange, rt: Runtime): void;
  /** The route for this request, or null for 404 NR. */
  resolve(ex: Exchange, rt: Runtime): CompiledRoute | null;
}

const NO_ROUTE = Buffer.from('no route');

/** True when `normalizePath` may change the path: a dot segment, a backslash, an escape, or `//` when merging. */
function needsNormalization(path: string, mergeSlashes: boolean): boolean {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  return p.includes('/.') || p.includes('%') || p.includes('\\') || (mergeSlashes && p.includes('//'));
}

export function normalizeExchangePath(ex: Exchange, mode: 'none' | 'base' | 'merge-slashes'): void {
  if (mode === 'none' || ex.path === '*') return;
  const merge = mode === 'merge-slashes';
  if (!needsNormalization(ex.path, merge)) return;
  const q = ex.path.indexOf('?');
  ex.path = normalizePath(ex.path, merge) + (q === -1 ? '' : ex.path.slice(q));
}

export function serveExchange(ex: Exchange, writer: ResponseWriter, hooks: ListenerHooks, rt: Runtime): void {
  normalizeExchangePath(ex, rt.config.http.pathNormalization);
  applyTracing(ex, rt.config.observability.tracing.samplingPercent);
  hooks.prepare(ex, rt);
  const route = hooks.resolve(ex, rt);
  if (route === null) {
    ex.addFlag('NR');
    localReply(writer, 404, ['content-type', 'text/plain'], NO_ROUTE);
    return;
  }
  ex.route = route;
  route.dispatch(ex, writer);
}
