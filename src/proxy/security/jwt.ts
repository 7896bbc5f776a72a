/**
 * Request authentication with JWTs (Istio RequestAuthentication on Envoy's jwt_authn), verified
 * with `jose`:
 * - the token is taken from the rule's locations — headers with a prefix, query parameters,
 *   cookies; with none declared, `authorization: Bearer …` and `?access_token=` (Istio default);
 * - the rule is chosen by the token's `iss`; an issuer no rule names is rejected;
 * - rejected: a malformed token, `alg: none` or an algorithm the rule does not allow, a bad
 *   signature, `exp` passed or `nbf` ahead (both with the declared clock skew), a wrong issuer,
 *   an audience outside the rule's list;
 * - a request without a token passes authentication unauthenticated (authorization decides),
 *   unless a token is required: then 401 `Jwt is missing` with `www-authenticate`;
 * - on success the token is removed from the request unless `forwardOriginalToken`, and the
 *   declared claims are copied into headers (any such header the client sent is removed first,
 *   so that a claim header cannot be forged).
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 * @see https://istio.io/latest/docs/reference/config/security/jwt/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { JwtRuleConfig } from '../config/security-schema';
import { JwtRejectedError, type JwksFetchError, type JwtRejection } from './errors';
import { InlineKeySet, RemoteKeySet, type KeySet } from './jwks';
import { claimValues } from './authz';

/** The request as authentication sees and edits it (the Exchange satisfies it). */
export interface JwtRequest {
  headers: string[];
  path: string;
}

export type JwtOutcome =
  | { kind: 'none' }
  | { kind: 'verified'; principal: string; claims: JWTPayload; rule: string }
  | { kind: 'rejected'; error: JwtRejectedError };

/** Asymmetric algorithms jose verifies; HMAC needs an `oct` key and is opt-in per rule. */
const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

type Location = { kind: 'header'; name: string; prefix: string } | { kind: 'param'; name: string } | { kind: 'cookie'; name: string };

interface CompiledRule {
  config: JwtRuleConfig;
  locations: Location[];
  keys: KeySet;
  algorithms: string[];
  claimHeaders: Array<{ header: string; path: string[] }>;
}

interface Found {
  token: string;
  location: Location;
}

function locationsOf(r: JwtRuleConfig): Location[] {
  const out: Location[] = [
    ...r.fromHeaders.map((h) => ({ kind: 'header' as const, name: h.name.toLowerCase(), prefix: h.prefix })),
    ...r.fromParams.map((name) => ({ kind: 'param' as const, name })),
    ...r.fromCookies.map((name) => ({ kind: 'cookie' as const, name })),
  ];
  if (out.length === 0) out.push({ kind: 'header', name: 'authorization', prefix: 'Bearer ' }, { kind: 'param', name: 'access_token' });
  return out;
}

const sameLocation = (a: Location, b: Location): boolean => a.kind === b.kind && a.name === b.name && (a.kind !== 'header' || a.prefix === (b as typeof a).prefix);

function queryOf(path: string): URLSearchParams | null {
  const q = path.indexOf('?');
  return q === -1 ? null : new URLSearchParams(path.slice(q + 1));
}

function cookies(headers: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'cookie') continue;
    for (const part of headers[i + 1]!.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  return out;
}

function extract(req: JwtRequest, loc: Location): string | null {
  switch (loc.kind) {
    case 'header': {
      const h = req.headers;
      for (let i = 0; i < h.length; i += 2) {
        if (h[i] !== loc.name) continue;
        const v = h[i + 1]!;
        // Envoy compares the prefix case-sensitively except for the common "Bearer " scheme (RFC 6750 §2.1 schemes are case-insensitive).
        if (loc.prefix === '') return v.trim() || null;
        if (v.length > loc.prefix.length && v.slice(0, loc.prefix.length).toLowerCase() === loc.prefix.toLowerCase()) return v.slice(loc.prefix.length).trim() || null;
      }
      return null;
    }
    case 'param':
      return queryOf(req.path)?.get(loc.name) || null;
    case 'cookie':
      return cookies(req.headers).get(loc.name) || null;
  }
}

function strip(req: JwtRequest, loc: Location): void {
  switch (loc.kind) {
    case 'header':
      for (let i = req.headers.length - 2; i >= 0; i -= 2) if (req.headers[i] === loc.name) req.headers.splice(i, 2);
      return;
    case 'param': {
      const q = req.path.indexOf('?');
      const params = queryOf(req.path)!;
      params.delete(loc.name);
      const rest = params.toString();
      req.path = req.path.slice(0, q) + (rest ? `?${rest}` : '');
      return;
    }
    case 'cookie':
      for (let i = req.headers.length - 2; i >= 0; i -= 2) {
        if (req.headers[i] !== 'cookie') continue;
        const kept = req.headers[i + 1]!.split(';').filter((p) => p.split('=')[0]!.trim() !== loc.name);
        if (kept.length === 0) req.headers.splice(i, 2);
        else req.headers[i + 1] = kept.map((p) => p.trim()).join('; ');
      }
  }
}

function reject(reason: JwtRejection, detail: string): JwtOutcome {
  return { kind: 'rejected', error: new JwtRejectedError(reason, detail) };
}

/** Maps jose's error classes to Envoy's failure reasons. */
function classifyJose(error: unknown): JwtOutcome {
  if (error instanceof joseErrors.JWTExpired) return reject('is expired', error.message);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return reject('not yet valid', error.message);
    if (error.claim === 'iss') return reject('issuer is not configured', error.message);
    if (error.claim === 'aud') return reject('audiences in Jwt are not allowed', error.message);
    return reject('verification fails', error.message);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return reject('alg is not allowed', error.message);
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) return reject('verification fails', (error as Error).message);
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return reject('is not in the form of Header.Payload.Signature', (error as Error).message);
  return reject('verification fails', (error as Error)?.message ?? String(error));
}

/**
 * Verified tokens, so that a client that sends the same token on every request pays the
 * signature check once (Envoy jwt_authn `jwt_cache_config`). Bounded; an entry holds only while
 * its `exp`/`nbf` hold (with the rule's clock skew) and its key set has not been replaced.
 */
const CACHE_SIZE = 1000;
interface CachedToken {
  rule: CompiledRule;
  generation: number;
  outcome: Extract<JwtOutcome, { kind: 'verified' }>;
}

export class JwtAuthenticator {
  private readonly rules: CompiledRule[];
  private readonly verified = new Map<string, CachedToken>();

  constructor(rules: readonly JwtRuleConfig[], onJwksError?: (e: JwksFetchError) => void) {
    this.rules = rules.map((config) => ({
      config,
      locations: locationsOf(config),
      keys: config.jwks !== undefined ? new InlineKeySet(config.jwks) : new RemoteKeySet({ uri: config.jwksUri!, refreshMs: config.jwksCacheMs, timeoutMs: config.jwksFetchTimeoutMs, onError: onJwksError }),
      algorithms: config.algorithms ?? DEFAULT_ALGORITHMS,
      claimHeaders: config.outputClaimToHeaders.map((c) => ({ header: c.header.toLowerCase(), path: c.claim.split('.') })),
    }));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Resolves when every remote key set has had its first fetch (ready probes, tests). */
  async ready(): Promise<void> {
    await Promise.all(this.rules.map((r) => r.keys.ready()));
  }

  keySetStats(): Array<{ rule: string; fetches: number; failures: number; lastError: string | null }> {
    return this.rules.map((r) => ({ rule: r.config.name, ...r.keys.stats }));
  }

  close(): void {
    for (const r of this.rules) r.keys.close();
  }

  private find(req: JwtRequest): Found | null {
    for (const r of this.rules)
      for (const location of r.locations) {
        const token = extract(req, location);
        if (token !== null) return { token, location };
      }
    return null;
  }

  /**
   * Authenticates `req` and edits it (token stripped, claim headers written). Claim headers the
   * client sent are always removed, also when no token is present.
   */
  async authenticate(req: JwtRequest): Promise<JwtOutcome> {
    for (const r of this.rules) for (const c of r.claimHeaders) for (let i = req.headers.length - 2; i >= 0; i -= 2) if (req.headers[i] === c.header) req.headers.splice(i, 2);
    const found = this.find(req);
    if (found === null) return { kind: 'none' };
    const cached = this.fromCache(found);
    if (cached) return this.accept(req, cached.rule, found, cached.outcome);
    let header: { alg?: string };
    let iss: string | undefined;
    try {
      header = decodeProtectedHeader(found.token);
      iss = decodeJwt(found.token).iss;
    } catch (error) {
      return reject('is not in the form of Header.Payload.Signature', (error as Error).message);
    }
    if (found.token.split('.').length !== 3) return reject('is not in the form of Header.Payload.Signature', 'a JWS compact token has three parts');
    const rule = this.rules.find((r) => r.config.issuer === iss && r.locations.some((l) => sameLocation(l, found.location)));
    if (!rule) return reject('issuer is not configured', `no rule for issuer "${iss ?? ''}" at this token location`);
    if (header.alg === undefined || header.alg === 'none' || !rule.algorithms.includes(header.alg)) return reject('alg is not allowed', `alg "${header.alg ?? ''}"`);
    const outcome = await this.verify(rule, found.token);
    if (outcome.kind !== 'verified') return outcome;
    if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(found.token, { rule, generation: rule.keys.generation, outcome });
    return this.accept(req, rule, found, outcome);
  }

  /** A cached verification still valid now (time claims re-checked), else null. */
  private fromCache(found: Found): CachedToken | null {
    const c = this.verified.get(found.token);
    if (!c) return null;
    const now = Date.now() / 1000;
    const skew = c.rule.config.clockSkewMs / 1000;
    const { exp, nbf } = c.outcome.claims;
    if (c.generation !== c.rule.keys.generation || (typeof exp === 'number' && now > exp + skew) || (typeof nbf === 'number' && now < nbf - skew) || !c.rule.locations.some((l) => sameLocation(l, found.location))) {
      this.verified.delete(found.token);
      return null;
    }
    return c;
  }

  private accept(req: JwtRequest, rule: CompiledRule, found: Found, outcome: Extract<JwtOutcome, { kind: 'verified' }>): JwtOutcome {
    if (!rule.config.forwardOriginalToken) strip(req, found.location);
    for (const c of rule.claimHeaders) {
      const values = claimValues(outcome.claims, c.path);
      if (values.length > 0) req.headers.push(c.header, values.join(','));
    }
    return outcome;
  }

  private async verify(rule: CompiledRule, token: string, retried = false): Promise<JwtOutcome> {
    const keys = rule.keys.keys();
    if (keys === null) {
      // No key set yet (the URI has never answered): try once now, else the token cannot be checked.
      if (!retried && (await rule.keys.refreshOnMiss())) return this.verify(rule, token, true);
      return reject('JWKS unavailable', `no key set for issuer "${rule.config.issuer}" yet`);
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: rule.config.issuer,
        audience: rule.config.audiences.length > 0 ? rule.config.audiences : undefined,
        algorithms: rule.algorithms,
        clockTolerance: rule.config.clockSkewMs / 1000,
      });
      return { kind: 'verified', principal: `${payload.iss}/${payload.sub ?? ''}`, claims: payload, rule: rule.config.name };
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey && !retried && (await rule.keys.refreshOnMiss())) return this.verify(rule, token, true);
      return classifyJose(error);
    }
  }
}

/**
 * Envoy's 401 for a missing or invalid token: `www-authenticate: Bearer realm="<url>"`, with
 * `error="invalid_token"` when a token was presented (RFC 6750 §3).
 */
export function wwwAuthenticate(authority: string, path: string, invalid: boolean): string {
  const q = path.indexOf('?');
  const realm = `http://${authority}${q === -1 ? path : path.slice(0, q)}`;
  return invalid ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
}
