/**
 * Request and response header manipulation (Istio `Headers`): remove, then set (overwrite),
 * then add (append) — header-edits.ts. Request edits change the forwarded request before it
 * leaves (this step). Response edits apply to whatever the route itself answers with — the
 * upstream's response, a direct response, a redirect — but not to answers of the steps before
 * them (CORS preflight, rate limit, fault abort) or to the proxy's failure replies, as before.
 *
 * Why the response edits are not a step: a step observes the response through a decorating
 * handler, one object and one more hop of every onConnect/onHeaders/onData/onComplete per
 * request. Every response that passed that decorator came from the route's terminal (the retry
 * handler, the attempt handler, the direct response, the redirect: the steps in between only
 * pass responses on or fail), so the terminal applies them itself (routing/route.ts), right
 * where it hands the response head downstream — after the retry handler's decision, which reads
 * the upstream's own headers.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
 */
import type { HeaderOps } from '../config/schema';
import { applyHeaderEdits, compileHeaderEdits } from './header-edits';
import type { Step } from './types';

/** The request edits as a step; null when there is nothing to do, so that the route chain skips it. */
export function requestHeadersStep(request: HeaderOps | undefined): Step | null {
  const edits = compileHeaderEdits(request);
  if (!edits) return null;
  // Only an edit of `host` changes the authority the later steps route and log by.
  const touchesHost = edits.remove.includes('host') || edits.set.some(([k]) => k === 'host') || edits.add.some(([k]) => k === 'host');
  return (next) => (ex, handler) => {
    applyHeaderEdits(ex.headers, edits);
    if (touchesHost) {
      const host = ex.header('host');
      if (host !== undefined) ex.authority = host.toLowerCase();
    }
    next(ex, handler);
  };
}
