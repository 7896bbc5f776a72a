/**
 * SPIFFE identities of workloads, as Istio issues them: the certificate's URI SAN
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`. The principal that
 * authorization matches is the same string without `spiffe://` (Istio `source.principal`).
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md
 * @see https://istio.io/latest/docs/concepts/security/#istio-identity
 */
import type { PeerCertificate } from 'node:tls';

export interface SpiffeId {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

const SPIFFE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

export function parseSpiffeId(uri: string): SpiffeId | null {
  const m = SPIFFE.exec(uri);
  return m ? { trustDomain: m[1]!.toLowerCase(), namespace: m[2]!, serviceAccount: m[3]! } : null;
}

export function spiffeUri(id: SpiffeId): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** `td/ns/<ns>/sa/<sa>` as authorization policies name principals. */
export function principalOf(id: SpiffeId): string {
  return `${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/**
 * URI SANs of a certificate as Node reports them (`subjectaltname: 'URI:spiffe://…, DNS:x'`).
 * Node quotes entries containing commas or quotes as JSON strings; those are decoded.
 */
export function uriSans(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): string[] {
  const san = cert?.subjectaltname;
  if (!san) return [];
  const out: string[] = [];
  const re = /(?:^|,\s*)URI:("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const m of san.matchAll(re)) {
    const raw = m[1]!;
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}

/** The one SPIFFE id of a certificate (SPIFFE X.509-SVID: exactly one URI SAN), or null. */
export function spiffeIdOf(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): SpiffeId | null {
  const uris = uriSans(cert).filter((u) => u.startsWith('spiffe://'));
  return uris.length === 1 ? parseSpiffeId(uris[0]!) : null;
}
