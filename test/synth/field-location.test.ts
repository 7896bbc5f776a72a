import { afterAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { E2E_TIMEOUT_MS, repoRoot, scratchDir, weft } from '../e2e/helpers';

// Runs the real CLI; the bound is against a hang, not a speed assertion (see e2e/helpers.ts).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const config = join(repoRoot, 'test/fixtures/field/mesh.config.ts');
const scratch = scratchDir();
afterAll(() => scratch.cleanup());

interface Reported {
  code: string;
  message: string;
  location: { line: number; column: number };
}

describe('prop mistakes point at the field, not only at the construct', () => {
  it('follows the field path through object literals (and `as` casts) to the offending property', () => {
    // Through the CLI, as users run it: tsx's source maps give the exact call column.
    const run = weft(['synth', '--config', config, '--out', join(scratch.dir, 'dist'), '--json']);
    expect(run.status).toBe(1);
    const diagnostics: Reported[] = JSON.parse(run.stdout).diagnostics;
    const where = diagnostics.filter((d) => d.code === 'WEFT001').map((d) => [d.location.line, d.message.split(': ')[1]]);
    expect(where).toEqual([
      [8, 'security.mtls'],
      // Props passed as a variable: the call itself is the best place in the source.
      [13, 'versions.v1.replicas'],
      [19, 'versions.v1.replicas'],
      [24, 'resilience.retries.perTryTimeout'],
      [26, 'Unrecognized key'],
    ]);
    expect(diagnostics.find((d) => d.message.includes('Unrecognized key'))!.location.column).toBe(3);
  });
});
