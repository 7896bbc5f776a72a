/**
 * The local mesh's token issuer: one ES256 key per run. In the local overlay every JWT rule's
 * declared JWKS (a URI the machine cannot and should not reach) is replaced by this key's JWKS,
 * inline, so that the verifier can sign the tokens its probes carry — valid ones and every kind
 * of invalid one. Only the local overlay changes; dist/ keeps the declared JWKS.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export const LOCAL_KID = 'weft-local-verify';

export type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class LocalJwtIssuer {
  private constructor(
    private readonly privateKey: SigningKey,
    readonly jwks: string,
    private readonly kid = LOCAL_KID,
  ) {}

  /** An issuer with a given key (the verification overlay's, src/verify/overlay/verification-key.ts). */
  static withKey(privateKey: SigningKey, jwks: string, kid: string): LocalJwtIssuer {
    return new LocalJwtIssuer(privateKey, jwks, kid);
  }

  static async create(): Promise<LocalJwtIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: LOCAL_KID, alg: 'ES256', use: 'sig' };
    return new LocalJwtIssuer(privateKey, JSON.stringify({ keys: [jwk] }));
  }

  /** A token signed with the local key; `claims` may override iss/aud/exp/nbf. */
  async sign(claims: JWTPayload): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'weft-verify', iat: now, exp: now + 3600, ...claims }).setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: 'JWT' }).sign(this.privateKey);
  }
}
