import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { formatDiagnostic, githubAnnotation } from '../../src/cli/format';
import type { Diagnostic } from '../../src/diagnostics/diagnostic';

const file = resolve(__dirname, '../fixtures/small.ts');
const d: Diagnostic = {
  code: 'WEFT104',
  severity: 'error',
  message: 'route "canary" sends 20% to version "v3", which service "app" does not declare',
  path: 'shop/storefront/app/route:canary',
  location: { file, line: 13, column: 5 },
  hint: 'declare version "v3" or route to v1, v2',
};

describe('formatDiagnostic', () => {
  it('prints file:line:col, severity, code, message, a code frame with a caret, and the hint', () => {
    const text = formatDiagnostic(d, { cwd: resolve(__dirname, '..'), color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('fixtures/small.ts:13:5 error WEFT104 route "canary" sends 20% to version "v3", which service "app" does not declare');
    expect(text).toContain("> 13 | app.route('canary'");
    expect(lines.find((l) => l.includes('^'))).toBe('     |     ^');
    expect(lines.at(-1)).toBe('  hint: declare version "v3" or route to v1, v2');
  });
});

describe('githubAnnotation', () => {
  it('is a workflow command with escaped data', () => {
    expect(githubAnnotation(d, resolve(__dirname, '..'))).toBe(
      '::error file=fixtures/small.ts,line=13,col=5,title=WEFT104::route "canary" sends 20%25 to version "v3", which service "app" does not declare%0Ahint: declare version "v3" or route to v1, v2',
    );
  });
});
