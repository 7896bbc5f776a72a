import type { CodeTable } from '../diagnostics/codes';

/**
 * The verifier's diagnostics (WEFT800–WEFT829): problems with the request or the plan that the
 * user fixes in mesh.config.ts or on the command line. Runtime failures (a child crashed, a port
 * was taken) are typed errors with literal codes instead (src/local/errors.ts).
 */
export const VERIFY_CODES: CodeTable = {
  WEFT800: { severity: 'error', title: 'verify: environment not declared' },
  WEFT801: { severity: 'error', title: 'verify --local: environment does not use the weft mesh' },
  WEFT802: { severity: 'warning', title: 'declared behaviour not verified' },
  WEFT803: { severity: 'error', title: 'verify --only matches no check' },
  WEFT804: { severity: 'error', title: 'verify --target: a TLS file cannot be read' },
};
