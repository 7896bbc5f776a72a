/**
 * CORS (Istio CorsPolicy, Envoy cors filter). A preflight — OPTIONS with Origin and
 * Access-Control-Request-Method — from an allowed origin is answered by the proxy itself with
 * the allow headers; from any other origin it continues to the upstream untouched, like Envoy.
 * An actual request from an allowed origin gets Access-Control-Allow-Origin (the origin
 * echoed), -Expose-Headers and -Allow-Credentials on its response.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { CorsConfig } from '../config/schema';
import { compileStringMatch } from '../routing/string-match';
import { DecoratorHandler, localReply, type Handler, type Step } from './types';

class CorsResponse extends DecoratorHandler {
  constructor(
    inner: Handler,
    private readonly add: string[],
  ) {
    super(inner);
  }
  override onHeaders(status: number, headers: string[], resume: () => void): boolean {
    for (let i = 0; i < this.add.length; i += 2) headers.push(this.add[i]!, this.add[i + 1]!);
    return super.onHeaders(status, headers, resume);
  }
}

export function corsStep(config: CorsConfig): Step {
  const origins = config.allowOrigins.map(compileStringMatch);
  const allowed = (o: string): boolean => origins.some((p) => p(o));
  const methods = config.allowMethods.join(',');
  const allowHeaders = config.allowHeaders.join(',');
  const expose = config.exposeHeaders.join(',');
  const maxAge = config.maxAgeMs !== undefined ? String(Math.floor(config.maxAgeMs / 1000)) : '';
  return (next) => (ex, handler) => {
    const origin = ex.header('origin');
    if (origin === undefined || !allowed(origin)) return next(ex, handler);
    const credentials = config.allowCredentials;
    if (ex.method === 'OPTIONS' && ex.header('access-control-request-method') !== undefined) {
      const h = ['access-control-allow-origin', origin, 'vary', 'origin'];
      if (methods) h.push('access-control-allow-methods', methods);
      if (allowHeaders) h.push('access-control-allow-headers', allowHeaders);
      if (maxAge) h.push('access-control-max-age', maxAge);
      if (credentials) h.push('access-control-allow-credentials', 'true');
      localReply(handler, 200, h);
      return;
    }
    const add = ['access-control-allow-origin', origin, 'vary', 'origin'];
    if (expose) add.push('access-control-expose-headers', expose);
    if (credentials) add.push('access-control-allow-credentials', 'true');
    next(ex, new CorsResponse(handler, add));
  };
}
