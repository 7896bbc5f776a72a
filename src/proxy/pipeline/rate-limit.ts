/**
 * Local rate limiting (per route, or per service on the inbound listener): a request that finds
 * no token is answered 429 `local_rate_limited` with response flag RL, as Envoy's local_ratelimit.
 */
import type { TokenBucketConfig } from '../config/schema';
import { TokenBucket } from './token-bucket';
import { localReply, type Step } from './types';

export function rateLimitStep(config: TokenBucketConfig): Step {
  const bucket = new TokenBucket(config);
  return (next) => (ex, handler) => {
    if (bucket.take()) return next(ex, handler);
    ex.addFlag('RL');
    localReply(handler, 429, ['content-type', 'text/plain', 'x-weft-ratelimited', 'true'], 'local_rate_limited');
  };
}
