import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadMeshConfig } from '../../src/synth/load';
import { Mesh } from '../../src/index';

const fixture = (name: string) => resolve(__dirname, '../fixtures/load', name);

describe('loadMeshConfig', () => {
  it('finds the default-exported Mesh', async () => {
    const r = await loadMeshConfig(resolve(__dirname, '../fixtures/small.ts'));
    expect(r.diagnostics).toEqual([]);
    expect(r.mesh).toBeInstanceOf(Mesh);
  });

  it('re-evaluates the file on every load, so a long-lived process sees edits', async () => {
    const a = await loadMeshConfig(resolve(__dirname, '../fixtures/small.ts'));
    const b = await loadMeshConfig(resolve(__dirname, '../fixtures/small.ts'));
    expect(a.mesh).not.toBe(b.mesh);
  });

  it('reports a throw as WEFT002 at the throwing line', async () => {
    const r = await loadMeshConfig(fixture('throws.ts'));
    expect(r.mesh).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'WEFT002', severity: 'error', location: { line: 5 } });
    expect(r.diagnostics[0]!.message).toContain('boom: config missing');
  });

  it('reports a syntax error as WEFT002 with its line', async () => {
    const r = await loadMeshConfig(fixture('syntax.ts'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'WEFT002', location: { line: 3 } });
  });

  it('reports a file without a Mesh as WEFT003', async () => {
    const r = await loadMeshConfig(fixture('no-mesh.ts'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'WEFT003' });
  });

  it('reports a missing file as WEFT002', async () => {
    const r = await loadMeshConfig(fixture('absent.ts'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'WEFT002' });
    expect(r.diagnostics[0]!.message).toContain('cannot find');
  });
});
