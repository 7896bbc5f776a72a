import { meshCallersOf } from '../authorization-policy';
import type { IstioContext } from '../common';

/**
 * WEFT604: authorization by peer identity (principals, namespaces) on a workload that accepts
 * plaintext. Istio takes both from the peer's mTLS certificate: with mTLS disabled they never
 * match, so every ALLOW rule built on them denies (an error); with PERMISSIVE, plaintext
 * requests from outside the mesh carry no identity and are denied by them (reported as info).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export function checkPlaintextPrincipals(ic: IstioContext): void {
  const { model, index } = ic.ctx;
  for (const s of model.services) {
    const mode = index.mtlsOf(s);
    if (mode === 'strict') continue;
    const uses: string[] = [];
    if (model.security.authorization === 'deny-by-default' && meshCallersOf(ic, s).length) uses.push('the ALLOW rule for its callers');
    // Declared rules matching identities are the analyzer's WEFT303 (every target); this check
    // adds what only the Istio target creates: the ALLOW policy it derives from `calls`.
    if (uses.length === 0) continue;
    const at = s;
    if (mode === 'disable')
      ic.report(
        'WEFT604',
        at,
        `service "${s.name}" has mTLS disabled, but ${uses.join(', ')} match peer identities, which only mTLS provides: they never match`,
        `enable mTLS for "${s.name}" (strict or permissive), or authorize by ipBlocks or JWT instead`,
      );
    else
      ic.report(
        'WEFT604',
        at,
        `service "${s.name}" accepts plaintext (permissive mTLS); ${uses.join(', ')} match peer identities, so plaintext requests are denied by them`,
        `switch "${s.name}" to strict mTLS once every client is in the mesh`,
        'info',
      );
  }
}
