/**
 * A JWKS key set for one JWT issuer: inline (parsed once), or from a URI — fetched with a
 * bounded timeout, cached, refreshed in the background every `jwksCacheMs`, and refreshed early
 * (at most once per cooldown) when a token names a key id the set does not have, which is how
 * an issuer's key rotation is picked up. While the URI is unreachable or serves garbage, the
 * last good key set keeps verifying tokens (Envoy jwt_authn keeps its cached JWKS the same way).
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto#extensions-filters-http-jwt-authn-v3-remotejwks
 * @see https://github.com/panva/jose/blob/main/docs/jwks/local/functions/createLocalJWKSet.md
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { controlRequest } from '../control-request';
import { JwksFetchError } from './errors';
import { monotonicMs } from '../clock';

export interface JwksStats {
  fetches: number;
  failures: number;
  lastError: string | null;
}

export interface KeySet {
  /** Changes whenever the key set is replaced (verified-token caches are dropped then). */
  readonly generation: number;
  /** The current verifier keys, or null before the first successful fetch. */
  keys(): JWTVerifyGetKey | null;
  /** Called on an unknown `kid`: refresh if allowed by the cooldown; resolves true when new keys arrived. */
  refreshOnMiss(): Promise<boolean>;
  /** Resolves once the first fetch settled (either way). */
  ready(): Promise<void>;
  readonly stats: JwksStats;
  close(): void;
}

function parseJwks(text: string): JSONWebKeySet {
  const doc = JSON.parse(text) as JSONWebKeySet;
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc.keys)) throw new TypeError('not a JWKS document (no "keys" array)');
  return doc;
}

export class InlineKeySet implements KeySet {
  readonly generation = 0;
  readonly stats: JwksStats = { fetches: 0, failures: 0, lastError: null };
  private readonly resolver: JWTVerifyGetKey;
  constructor(jwks: string) {
    this.resolver = createLocalJWKSet(parseJwks(jwks));
  }
  keys(): JWTVerifyGetKey {
    return this.resolver;
  }
  async refreshOnMiss(): Promise<boolean> {
    return false;
  }
  async ready(): Promise<void> {}
  close(): void {}
}

export interface RemoteKeySetOptions {
  uri: string;
  refreshMs: number;
  timeoutMs: number;
  /** Shortest interval between fetches triggered by unknown key ids. */
  cooldownMs?: number;
  onError?: (error: JwksFetchError) => void;
}

export class RemoteKeySet implements KeySet {
  generation = 0;
  private lastText = '';
  readonly stats: JwksStats = { fetches: 0, failures: 0, lastError: null };
  private resolver: JWTVerifyGetKey | null = null;
  private inflight: Promise<boolean> | null = null;
  private lastAttempt = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly first: Promise<boolean>;
  private closed = false;

  constructor(private readonly options: RemoteKeySetOptions) {
    this.first = this.refresh();
    this.timer = setInterval(() => void this.refresh(), options.refreshMs);
    this.timer.unref();
  }

  keys(): JWTVerifyGetKey | null {
    return this.resolver;
  }

  async ready(): Promise<void> {
    await this.first;
  }

  refreshOnMiss(): Promise<boolean> {
    const cooldown = this.options.cooldownMs ?? Math.min(30_000, this.options.refreshMs);
    if (this.inflight) return this.inflight;
    if (monotonicMs() - this.lastAttempt < cooldown) return Promise.resolve(false);
    return this.refresh();
  }

  /** One bounded fetch; on success the key set is replaced, on failure the last good one stays. */
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    this.lastAttempt = monotonicMs();
    this.stats.fetches++;
    this.inflight = (async () => {
      try {
        // Not fetch: its first call loads undici, 13–15 MB of RSS (../control-request.ts).
        const res = await controlRequest(this.options.uri, { signal: AbortSignal.timeout(this.options.timeoutMs), headers: { accept: 'application/json' } });
        const text = res.text;
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const resolver = createLocalJWKSet(parseJwks(text));
        if (!this.closed && text !== this.lastText) {
          this.resolver = resolver;
          this.lastText = text;
          this.generation++;
        }
        return true;
      } catch (cause) {
        const error = new JwksFetchError(this.options.uri, cause);
        this.stats.failures++;
        this.stats.lastError = error.message;
        this.options.onError?.(error);
        return false;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
