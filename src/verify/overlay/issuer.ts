/** The issuer `weft verify --target` signs probe tokens with: the overlay's key (./verification-key.ts). */
import { importJWK } from 'jose';
import { LocalJwtIssuer, type SigningKey } from '../../local/jwt-issuer';
import { VERIFICATION_JWKS, VERIFICATION_KID, VERIFICATION_PRIVATE_JWK } from './verification-key';

export async function verificationIssuer(): Promise<LocalJwtIssuer> {
  const key = await importJWK({ ...VERIFICATION_PRIVATE_JWK }, 'ES256');
  return LocalJwtIssuer.withKey(key as SigningKey, VERIFICATION_JWKS, VERIFICATION_KID);
}
