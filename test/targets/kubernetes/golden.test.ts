import { describe, expect, it } from 'vitest';
import { smallMesh } from './fixture';
import { emitFor, expectGolden, toYamlStream } from './helpers';

describe('kubernetes target: golden output', () => {
  it('prod (Istio, deny-by-default) matches the reviewed golden file', async () => {
    const { manifests, diagnostics } = await emitFor(smallMesh(), 'prod');
    expect(diagnostics).toEqual([]);
    expectGolden('prod.yaml', toYamlStream(manifests));
  });

  it('open (Weft proxy, allow-all, replicas override) matches the reviewed golden file', async () => {
    const { manifests, diagnostics } = await emitFor(smallMesh(), 'open');
    expect(diagnostics).toEqual([]);
    expectGolden('open.yaml', toYamlStream(manifests));
  });
});
