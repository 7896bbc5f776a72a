/**
 * Bundles for the local mesh: callers in one process share one build (the mesh and both refusing
 * twins of a connect-failure check ask at once; separate builds raced on the same files).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureBundles } from '../../src/local/bundles';

describe('ensureBundles', () => {
  it('gives concurrent callers the same build, and its files exist', async () => {
    const [a, b] = [ensureBundles(), ensureBundles()];
    expect(a).toBe(b);
    const bundles = await a;
    expect(existsSync(bundles.proxy) && existsSync(bundles.echo)).toBe(true);
  }, 180_000);
});
