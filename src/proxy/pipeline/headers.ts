/**
 * Request and response header manipulation (Istio `Headers`): remove, then set (overwrite),
 * then add (append). Request operations change the forwarded request before it leaves;
 * response operations apply to whatever answers — upstream or the proxy itself.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
 */
import type { HeaderOps } from '../config/schema';
import { DecoratorHandler, removeHeader, setHeader, type Handler, type Step } from './types';

interface CompiledOps {
  remove: string[];
  set: Array<[string, string]>;
  add: Array<[string, string]>;
}

function compileOps(ops: HeaderOps | undefined): CompiledOps | null {
  if (!ops) return null;
  const lower = (o: Record<string, string> | undefined): Array<[string, string]> => Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v]);
  const c = { remove: (ops.remove ?? []).map((h) => h.toLowerCase()), set: lower(ops.set), add: lower(ops.add) };
  return c.remove.length + c.set.length + c.add.length === 0 ? null : c;
}

export function applyOps(headers: string[], ops: CompiledOps): void {
  for (const name of ops.remove) removeHeader(headers, name);
  for (const [k, v] of ops.set) setHeader(headers, k, v);
  for (const [k, v] of ops.add) headers.push(k, v);
}

class ResponseHeaders extends DecoratorHandler {
  constructor(
    inner: Handler,
    private readonly ops: CompiledOps,
  ) {
    super(inner);
  }
  override onHeaders(status: number, headers: string[], resume: () => void): boolean {
    applyOps(headers, this.ops);
    return super.onHeaders(status, headers, resume);
  }
}

/** Returns null when there is nothing to do, so that the route chain skips the step entirely. */
export function headersStep(request: HeaderOps | undefined, response: HeaderOps | undefined): Step | null {
  const req = compileOps(request);
  const res = compileOps(response);
  if (!req && !res) return null;
  // Only an edit of `host` changes the authority the later steps route and log by.
  const touchesHost = req !== null && (req.remove.includes('host') || req.set.some(([k]) => k === 'host') || req.add.some(([k]) => k === 'host'));
  return (next) => (ex, handler) => {
    if (req) {
      applyOps(ex.headers, req);
      if (touchesHost) {
        const host = ex.header('host');
        if (host !== undefined) ex.authority = host.toLowerCase();
      }
    }
    next(ex, res ? new ResponseHeaders(handler, res) : handler);
  };
}
