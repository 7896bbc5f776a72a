import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffDist, readDist, writeDist } from '../../src/synth/write';

const dirs: string[] = [];
function tempDist(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'weft-write-'));
  dirs.push(root);
  const dist = join(root, 'dist');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dist, rel, '..'), { recursive: true });
    writeFileSync(join(dist, rel), content);
  }
  return dist;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writeDist', () => {
  it('replaces the whole tree on a full synth, removing stale files', () => {
    const dist = tempDist({ 'dev/kubernetes/a/x.yaml': 'old', 'gone/file.yaml': 'stale' });
    writeDist(dist, new Map([['dev/kubernetes/a/x.yaml', 'new']]));
    expect([...readDist(dist)]).toEqual([['dev/kubernetes/a/x.yaml', 'new']]);
  });

  it('with environments, replaces only their folders and keeps the rest', () => {
    const dist = tempDist({ 'dev/k/x.yaml': 'dev-old', 'prod/k/y.yaml': 'prod', 'verify/dev/z.yaml': 'v' });
    writeDist(dist, new Map([['dev/k/x2.yaml', 'dev-new']]), ['dev']);
    expect(Object.fromEntries(readDist(dist))).toEqual({ 'dev/k/x2.yaml': 'dev-new', 'prod/k/y.yaml': 'prod', 'verify/dev/z.yaml': 'v' });
  });

  it('leaves no temporary folder behind', () => {
    const dist = tempDist({ 'a.yaml': '1' });
    writeDist(dist, new Map([['b.yaml', '2']]));
    expect(readdirSync(join(dist, '..'))).toEqual(['dist']);
  });

  it('keeps the previous dist/ when writing fails', () => {
    const dist = tempDist({ 'dev/x.yaml': 'previous' });
    // A file and a folder of the same name cannot both exist: the write fails midway.
    expect(() => writeDist(dist, new Map([['dev/x.yaml/inner.yaml', 'a'], ['dev/x.yaml', 'b']]))).toThrow();
    expect(Object.fromEntries(readDist(dist))).toEqual({ 'dev/x.yaml': 'previous' });
    expect(readdirSync(join(dist, '..'))).toEqual(['dist']);
  });
});

describe('diffDist', () => {
  it('lists added, changed and removed files', () => {
    const current = new Map([['a', '1'], ['b', '2'], ['c', '3']]);
    const next = new Map([['a', '1'], ['b', '20'], ['d', '4']]);
    expect(diffDist(current, next)).toEqual({ added: ['d'], changed: ['b'], removed: ['c'] });
  });
});
