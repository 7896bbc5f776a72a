/**
 * The outbound side of mTLS: the options a proxy uses to open a connection to another proxy —
 * its own certificate, the mesh CA, and Istio's "secure naming": the server must present the
 * SPIFFE id of the destination's service account, not merely any mesh certificate.
 * @see https://istio.io/latest/docs/concepts/security/#secure-naming
 */
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import type { CertificateMaterial } from './certificate-files';
import { spiffeUri, uriSans, type SpiffeId } from './spiffe';

/** An Error in the shape Node expects from checkServerIdentity. */
export class PeerIdentityMismatchError extends Error {
  readonly code = 'WEFT_PROXY_PEER_IDENTITY_MISMATCH';
  override readonly name = 'PeerIdentityMismatchError';
}

export function checkSpiffeIdentity(expected: readonly string[]): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const got = uriSans(cert);
    if (got.some((u) => expected.includes(u))) return undefined;
    return new PeerIdentityMismatchError(`peer presented ${got.length ? got.join(', ') : 'no URI SAN'}, expected ${expected.join(' or ')}`);
  };
}

export function mtlsClientOptions(material: CertificateMaterial, expected: readonly SpiffeId[]): ConnectionOptions {
  return {
    secureContext: material.context,
    rejectUnauthorized: true,
    ALPNProtocols: ['http/1.1'],
    checkServerIdentity: checkSpiffeIdentity(expected.map(spiffeUri)),
  };
}
