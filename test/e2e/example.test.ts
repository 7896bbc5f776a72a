import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMeshConfig } from '../../src/synth/load';
import { compileModel } from '../../src/synth/compile';
import { readDist } from '../../src/synth/write';
import { WEFT_CODES } from '../../src/targets/weft/codes';
import { repoRoot, scratchDir, weft } from './helpers';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

describe('the example mesh.config.ts', () => {
  it('compiles with no errors; the only warnings are the weft proxy target naming what it does not enforce yet', async () => {
    const { mesh } = await loadMeshConfig(join(repoRoot, 'mesh.config.ts'));
    const { model, diagnostics } = mesh!.toModel();
    const compiled = compileModel(model!);
    const all = [...diagnostics, ...compiled.diagnostics];
    expect(all.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
    const unexpected = all.filter((d) => d.severity === 'warning' && !(d.code in WEFT_CODES));
    expect(unexpected.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(compiled.files.size).toBeGreaterThan(50);
  });

  it('compiles its istio environment with no warnings at all', async () => {
    const { mesh } = await loadMeshConfig(join(repoRoot, 'mesh.config.ts'));
    const compiled = compileModel(mesh!.toModel().model!, { environments: ['prod'] });
    expect(compiled.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });

  it('is what the committed dist/ holds (run `npm run synth` after changing it)', async () => {
    const { mesh } = await loadMeshConfig(join(repoRoot, 'mesh.config.ts'));
    const compiled = compileModel(mesh!.toModel().model!);
    const committed = readDist(join(repoRoot, 'dist'));
    expect([...committed.keys()]).toEqual([...compiled.files.keys()]);
    for (const [path, content] of compiled.files) expect(committed.get(path), path).toBe(content);
  });

  it('gives byte-identical output on two runs of the CLI', () => {
    const a = weft(['synth', '--out', join(scratch.dir, 'a')]);
    const b = weft(['synth', '--out', join(scratch.dir, 'b')]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const da = readDist(join(scratch.dir, 'a'));
    const db = readDist(join(scratch.dir, 'b'));
    expect(da.size).toBeGreaterThan(50);
    expect([...da]).toEqual([...db]);
  });

  it('--check passes on a fresh dist/ and lists what would change on a stale one', () => {
    const out = join(scratch.dir, 'c');
    expect(weft(['synth', '--out', out]).status).toBe(0);
    const fresh = weft(['synth', '--out', out, '--check']);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('is up to date');
    const [victim] = [...readDist(out).keys()];
    const { writeFileSync } = require('node:fs') as typeof import('node:fs');
    writeFileSync(join(out, victim!), 'edited by hand\n');
    const stale = weft(['synth', '--out', out, '--check']);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`changed  ${victim}`);
    expect(readFileSync(join(out, victim!), 'utf8')).toBe('edited by hand\n');
  });

  it('prints JSON with --json', () => {
    const r = weft(['synth', '--out', join(scratch.dir, 'd'), '--json']);
    const result = JSON.parse(r.stdout);
    expect(result.ok).toBe(true);
    expect(result.changes.added.length).toBeGreaterThan(50);
  });
});
