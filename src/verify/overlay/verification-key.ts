/**
 * The verification overlay's token key. In `dist/verify/<env>/` every JWT rule trusts this key
 * (inline JWKS) instead of the declared issuer's, so that `weft verify --target` can sign the
 * tokens its probes carry — valid ones and every kind of invalid one — without the real
 * issuer's private key. The private half is public by design (it is in Weft's source): the
 * overlay is for verification clusters only, never for production, which is why synth writes it
 * apart from the environments Argo CD deploys (docs/verify.md, "Cluster mode").
 * No imports: synth reads the JWKS without loading jose.
 */

export const VERIFICATION_KID = 'weft-verification-overlay';

/** ES256 (P-256), generated once with jose's generateKeyPair. */
export const VERIFICATION_PRIVATE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'cRvycblCqWESuMGqsrtroxCf_tYJ4K9X3__l95mB6Yk',
  y: 'm6d5i9S3Y7k_QUYXa05uhAgJKDVB3S9Z5_XqU0P1AMc',
  d: 'sDtojdgii-Io_JpZ6WVLmPOz2-hIBy0rAGLKXn4Y-84',
} as const;

/** The JWKS the overlay's JWT rules carry inline (public half only). */
export const VERIFICATION_JWKS = JSON.stringify({
  keys: [{ kty: 'EC', crv: 'P-256', x: VERIFICATION_PRIVATE_JWK.x, y: VERIFICATION_PRIVATE_JWK.y, kid: VERIFICATION_KID, alg: 'ES256', use: 'sig' }],
});
