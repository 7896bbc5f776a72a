import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffDist, readDist, writeDist } from '../../src/synth/write';
import { writeCompiled } from '../../src/synth/synth';

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
    // An environment's folders are `<env>/` and its verification overlay `verify/<env>/`.
    const dist = tempDist({ 'dev/k/x.yaml': 'dev-old', 'prod/k/y.yaml': 'prod', 'verify/dev/z.yaml': 'v', 'verify/prod/w.yaml': 'vp' });
    writeDist(dist, new Map([['dev/k/x2.yaml', 'dev-new'], ['verify/dev/z2.yaml', 'v-new']]), ['dev']);
    expect(Object.fromEntries(readDist(dist))).toEqual({
      'dev/k/x2.yaml': 'dev-new',
      'prod/k/y.yaml': 'prod',
      'verify/dev/z2.yaml': 'v-new',
      'verify/prod/w.yaml': 'vp',
    });
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

describe('writing only what changed', () => {
  // A time long past, so that "unchanged" never depends on the clock's resolution.
  const PAST = new Date('2001-02-03T04:05:06Z');
  const age = (dist: string) => {
    for (const rel of readDist(dist).keys()) utimesSync(join(dist, rel), PAST, PAST);
  };
  const mtimes = (dist: string) => Object.fromEntries([...readDist(dist).keys()].map((rel) => [rel, statSync(join(dist, rel)).mtimeMs]));
  const compiled = (files: Record<string, string>) => ({ diagnostics: [], files: new Map(Object.entries(files)), environments: ['dev', 'prod'] });

  it('an unchanged re-synth touches no file', () => {
    const dist = tempDist();
    const files = { 'dev/k/a.yaml': 'a', 'dev/k/b.yaml': 'b', 'prod/k/c.yaml': 'c' };
    expect(writeCompiled(compiled(files), { distDir: dist }).wrote).toBe(true);
    age(dist);
    const before = mtimes(dist);
    const again = writeCompiled(compiled(files), { distDir: dist });
    expect(again.wrote).toBe(false);
    expect(again.changes).toEqual({ added: [], changed: [], removed: [] });
    expect(mtimes(dist)).toEqual(before);
  });

  it('rewrites changed files, adds new ones, removes stale ones, and keeps the mtime of the rest', () => {
    const dist = tempDist({ 'dev/k/same.yaml': 'same', 'dev/k/edit.yaml': 'old', 'dev/k/gone.yaml': 'stale', 'prod/k/other.yaml': 'o' });
    age(dist);
    const result = writeCompiled(compiled({ 'dev/k/same.yaml': 'same', 'dev/k/edit.yaml': 'new', 'dev/k/added.yaml': 'added', 'prod/k/other.yaml': 'o' }), { distDir: dist });
    expect(result.changes).toEqual({ added: ['dev/k/added.yaml'], changed: ['dev/k/edit.yaml'], removed: ['dev/k/gone.yaml'] });
    expect(Object.fromEntries(readDist(dist))).toEqual({ 'dev/k/added.yaml': 'added', 'dev/k/edit.yaml': 'new', 'dev/k/same.yaml': 'same', 'prod/k/other.yaml': 'o' });
    const after = mtimes(dist);
    expect(after['dev/k/same.yaml']).toBe(PAST.getTime());
    expect(after['prod/k/other.yaml']).toBe(PAST.getTime());
    expect(after['dev/k/edit.yaml']).not.toBe(PAST.getTime());
    expect(readdirSync(join(dist, '..'))).toEqual(['dist']);
  });

  it('with environments, keeps the mtime of files outside them', () => {
    const dist = tempDist({ 'dev/k/x.yaml': 'dev-old', 'prod/k/y.yaml': 'prod' });
    age(dist);
    writeCompiled({ diagnostics: [], files: new Map([['dev/k/x.yaml', 'dev-new']]), environments: ['dev'] }, { distDir: dist, environments: ['dev'] });
    expect(Object.fromEntries(readDist(dist))).toEqual({ 'dev/k/x.yaml': 'dev-new', 'prod/k/y.yaml': 'prod' });
    expect(mtimes(dist)['prod/k/y.yaml']).toBe(PAST.getTime());
  });
});
