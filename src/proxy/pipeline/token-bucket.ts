/**
 * Token bucket as in Envoy's local rate limit filter: starts full with `maxTokens`; every
 * `fillIntervalMs` adds `tokensPerFill`, never above `maxTokens`. Refill is computed lazily
 * from elapsed whole intervals, which is equivalent to Envoy's timer-driven refill.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/local_rate_limit_filter
 */
import type { TokenBucketConfig } from '../config/schema';
import { monotonicMs } from '../clock';

export class TokenBucket {
  private tokens: number;
  private lastFill: number;

  constructor(
    private readonly config: TokenBucketConfig,
    now = monotonicMs(),
  ) {
    this.tokens = config.maxTokens;
    this.lastFill = now;
  }

  take(now = monotonicMs()): boolean {
    const c = this.config;
    const intervals = Math.floor((now - this.lastFill) / c.fillIntervalMs);
    if (intervals > 0) {
      this.tokens = Math.min(c.maxTokens, this.tokens + intervals * c.tokensPerFill);
      this.lastFill += intervals * c.fillIntervalMs;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
