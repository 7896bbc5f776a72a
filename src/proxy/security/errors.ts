/**
 * Typed errors of the proxy's security and discovery parts, one fixed `code` per class as in
 * ../errors.ts (kept in their own file so that the data path's error table stays its own).
 */
import { WeftProxyError } from '../errors';

/** An authorization rule names something that is not an IP address or CIDR block. */
export class InvalidCidrError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_INVALID_CIDR';
  override readonly name = 'InvalidCidrError';
  constructor(readonly block: string) {
    super(`"${block}" is not an IP address or CIDR block`);
  }
}

/** The workload certificate, key or CA bundle could not be read or does not parse. */
export class CertificateLoadError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_CERTIFICATE_LOAD';
  override readonly name = 'CertificateLoadError';
  constructor(readonly file: string, cause: unknown) {
    super(`${file}: cannot load certificate material: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** A JWKS document could not be fetched or parsed (the last good key set keeps serving). */
export class JwksFetchError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_JWKS_FETCH';
  override readonly name = 'JwksFetchError';
  constructor(readonly uri: string, cause: unknown) {
    super(`${uri}: cannot fetch JWKS: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** A token was presented and is not acceptable: why, for the log and the 401 body. */
export class JwtRejectedError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_JWT_REJECTED';
  override readonly name = 'JwtRejectedError';
  constructor(readonly reason: JwtRejection, detail: string) {
    super(`Jwt ${reason}: ${detail}`);
  }
}

/** Envoy jwt_authn's failure classes (its 401 bodies start with these words). */
export type JwtRejection = 'is not in the form of Header.Payload.Signature' | 'alg is not allowed' | 'is expired' | 'not yet valid' | 'issuer is not configured' | 'audiences in Jwt are not allowed' | 'verification fails' | 'JWKS unavailable';

/** A service discovery source failed (the last good endpoints keep serving). */
export class DiscoveryError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_DISCOVERY';
  override readonly name = 'DiscoveryError';
  constructor(readonly source: string, cause: unknown) {
    super(`${source}: discovery failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}
