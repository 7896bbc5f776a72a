import type { CodeInfo } from '../../diagnostics/codes';
import { ISTIO_DEGRADATION_CODES } from './degradation-codes';

/**
 * Codes the Istio target reports (WEFT600–WEFT619). Checks that only make sense for Istio live
 * with the target rather than in the analyzer, because they depend on how Weft maps the model
 * onto Istio resources (subsets, one VirtualService per host, PeerAuthentication levels).
 */
export const ISTIO_CODES = {
  WEFT600: { severity: 'error', title: 'feature not expressible in Istio' },
  WEFT620: { severity: 'info', title: 'wildcard external host resolved as addressed' },
  WEFT601: { severity: 'warning', title: 'route to a version whose subset selects no running pod' },
  WEFT602: { severity: 'error', title: 'more than one VirtualService for a host on the mesh' },
  WEFT603: { severity: 'error', title: 'DestinationRule TLS mode conflicts with PeerAuthentication' },
  WEFT604: { severity: 'error', title: 'authorization by peer identity on plaintext traffic' },
  WEFT605: { severity: 'error', title: 'HTTP route on a TCP port' },
  WEFT606: { severity: 'error', title: 'retry-on class Istio does not accept' },
  WEFT621: { severity: 'error', title: 'service route cannot govern gateway traffic' },
  ...ISTIO_DEGRADATION_CODES,
  WEFT635: { severity: 'warning', title: "namespace defaults written to Istio's root namespace" },
  /** checks/path-normalization.ts */
  WEFT636: { severity: 'warning', title: 'path normalization is set by the Istio installation' },
} as const satisfies Record<string, CodeInfo>;

export type IstioCode = keyof typeof ISTIO_CODES;
