import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistMemory } from '../../src/synth/dist-memory';
import { writeCompiled } from '../../src/synth/synth';

const scratch = mkdtempSync(join(tmpdir(), 'weft-dist-memory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const compiled = (files: Record<string, string>) => ({ diagnostics: [], files: new Map(Object.entries(files)), environments: ['dev'] });

/** One watch run: write through the memory, remember what was written (watch.ts). */
function run(dist: string, memory: DistMemory, files: Record<string, string>) {
  const c = compiled(files);
  const result = writeCompiled(c, { distDir: dist, known: memory });
  if (result.wrote) memory.wrote(c.files, result.changes);
  return result;
}

describe('DistMemory (weft synth --watch)', () => {
  it('knows the files it wrote by a stat, and notices any change made behind its back', () => {
    const dist = join(scratch, 'dist');
    const memory = new DistMemory(dist);
    const first = { 'dev/a.yaml': 'a: 1\n', 'dev/b.yaml': 'b: 1\n' };
    expect(run(dist, memory, first).changes.added).toEqual(['dev/a.yaml', 'dev/b.yaml']);
    expect(memory.holds('dev/a.yaml', 'a: 1\n')).toBe(true);
    expect(memory.holds('dev/a.yaml', 'a: 2\n')).toBe(false);

    // Unchanged: nothing written, every mtime kept.
    const mtime = statSync(join(dist, 'dev/a.yaml')).mtimeMs;
    const same = run(dist, memory, first);
    expect(same.wrote).toBe(false);
    expect(statSync(join(dist, 'dev/a.yaml')).mtimeMs).toBe(mtime);

    // A hand edit of the same size: the stat no longer matches, the bytes are compared, the file restored.
    writeFileSync(join(dist, 'dev/a.yaml'), 'a: 9\n');
    utimesSync(join(dist, 'dev/a.yaml'), new Date(mtime + 5000), new Date(mtime + 5000));
    expect(memory.holds('dev/a.yaml', 'a: 1\n')).toBe(false);
    const restored = run(dist, memory, first);
    expect(restored.changes.changed).toEqual(['dev/a.yaml']);
    expect(readFileSync(join(dist, 'dev/a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(memory.holds('dev/a.yaml', 'a: 1\n')).toBe(true);

    // Touched but unchanged: compared once by its bytes, then known again.
    utimesSync(join(dist, 'dev/b.yaml'), new Date(mtime + 9000), new Date(mtime + 9000));
    expect(memory.holds('dev/b.yaml', 'b: 1\n')).toBe(false);
    expect(run(dist, memory, first).wrote).toBe(false);
    expect(memory.holds('dev/b.yaml', 'b: 1\n')).toBe(true);

    // Removed by hand: added again. Dropped from the output: removed and forgotten.
    rmSync(join(dist, 'dev/b.yaml'));
    expect(run(dist, memory, first).changes.added).toEqual(['dev/b.yaml']);
    expect(run(dist, memory, { 'dev/a.yaml': 'a: 1\n' }).changes.removed).toEqual(['dev/b.yaml']);
    expect(memory.holds('dev/b.yaml', 'b: 1\n')).toBe(false);
  });
});
