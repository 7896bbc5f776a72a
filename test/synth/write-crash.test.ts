import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { JOURNAL, readDist, recoverDist, writeDist } from '../../src/synth/write';
import { writeCompiled } from '../../src/synth/synth';

/**
 * A writer killed (SIGKILL, as a crash or the OOM killer would) after each of its file
 * operations in turn, in a child process: dist/ is then either the old tree, or — when the kill
 * came after the commit point — it holds the journal, and the next synth finishes the write.
 * Either way the next synth leaves exactly the new tree, with the unchanged files untouched.
 */
const OLD: Record<string, string> = {
  'dev/kubernetes/a/same-1.yaml': 'same 1\n',
  'dev/kubernetes/a/same-2.yaml': 'same 2\n',
  'dev/kubernetes/a/edit-1.yaml': 'old edit 1\n',
  'dev/kubernetes/b/edit-2.yaml': 'old\n', // same size as its new content: compared byte by byte
  'dev/kubernetes/b/gone.yaml': 'stale\n',
  'dev/istio/only/gone.yaml': 'stale, and its folder empties\n',
  'verify/dev/k/same-3.yaml': 'same 3\n',
  'prod/kubernetes/c/edit-3.yaml': 'old edit 3\n',
};
const NEW: Record<string, string> = {
  'dev/kubernetes/a/same-1.yaml': 'same 1\n',
  'dev/kubernetes/a/same-2.yaml': 'same 2\n',
  'dev/kubernetes/a/edit-1.yaml': 'new edit 1, longer\n',
  'dev/kubernetes/b/edit-2.yaml': 'new\n',
  'dev/kubernetes/b/added-1.yaml': 'added to an existing folder\n',
  'dev/weft/fresh/added-2.yaml': 'added in a new folder\n',
  'dev/weft/fresh/added-3.yaml': 'added in a new folder too\n',
  'verify/dev/k/same-3.yaml': 'same 3\n',
  'prod/kubernetes/c/edit-3.yaml': 'new edit 3\n',
};
const UNCHANGED = ['dev/kubernetes/a/same-1.yaml', 'dev/kubernetes/a/same-2.yaml', 'verify/dev/k/same-3.yaml'];
/** A time long past, so that "untouched" never depends on the clock's resolution. */
const PAST = new Date('2001-02-03T04:05:06Z');

let work: string;
let writer: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'weft-write-crash-'));
  // The writer as plain JavaScript, so that each killed child starts in milliseconds.
  const bundle = join(work, 'write.mjs');
  buildSync({ entryPoints: [resolve(__dirname, '../../src/synth/write.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' });
  writer = join(work, 'writer.mjs');
  writeFileSync(writer, `import { writeDist } from ${JSON.stringify(bundle)};\nwriteDist(process.argv[2], new Map(Object.entries(JSON.parse(process.argv[3]))));\n`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function oldDist(name: string): string {
  const dist = join(work, name, 'dist');
  for (const [rel, content] of Object.entries(OLD)) {
    mkdirSync(join(dist, rel, '..'), { recursive: true });
    writeFileSync(join(dist, rel), content);
    utimesSync(join(dist, rel), PAST, PAST);
  }
  return dist;
}

/** Runs the writer in a child that kills itself after its `killAfter`-th file operation (0: never). */
function writeInChild(dist: string, killAfter: number): { signal: NodeJS.Signals | null; status: number | null } {
  const run = spawnSync(process.execPath, [writer, dist, JSON.stringify(NEW)], {
    env: { ...process.env, WEFT_TEST_WRITE_KILL_AFTER: String(killAfter) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { signal: run.signal, status: run.status };
}

const tree = (dist: string) => Object.fromEntries(readDist(dist));

describe('a writer killed mid-write', () => {
  it('leaves dist/ as the old tree or a journal that the next synth finishes', { timeout: 300_000 }, () => {
    const seen = { old: 0, journal: 0 };
    let completedAt = 0;
    // Bounded: the write above has 6 staged files, 4 moves and 2 removals.
    for (let n = 1; n <= 40 && completedAt === 0; n++) {
      const dist = oldDist(`kill-${n}`);
      const run = writeInChild(dist, n);
      if (run.signal !== 'SIGKILL') {
        expect(run.status).toBe(0);
        completedAt = n;
        expect(tree(dist)).toEqual(NEW);
        continue;
      }
      if (existsSync(join(dist, JOURNAL))) {
        seen.journal++;
      } else {
        // Before the commit point: dist/ is exactly as it was, every file untouched.
        expect(tree(dist)).toEqual(OLD);
        for (const rel of Object.keys(OLD)) expect(statSync(join(dist, rel)).mtimeMs).toBe(PAST.getTime());
        seen.old++;
      }
      // The next synth finishes (or redoes) the write and cleans up after the dead one.
      const next = writeCompiled({ diagnostics: [], files: new Map(Object.entries(NEW)), environments: ['dev', 'prod'] }, { distDir: dist });
      expect(next.ok).toBe(true);
      expect(tree(dist)).toEqual(NEW);
      for (const rel of UNCHANGED) expect(statSync(join(dist, rel)).mtimeMs).toBe(PAST.getTime());
      expect(existsSync(join(dist, JOURNAL))).toBe(false);
      expect(readdirSync(join(dist, '..'))).toEqual(['dist']);
      expect(existsSync(join(dist, 'dev/istio/only'))).toBe(false);
    }
    // The writer completed once the kill came after its last operation, and both kinds of crash were seen.
    expect(completedAt).toBeGreaterThan(1);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.journal).toBeGreaterThan(0);
  });

  it('recoverDist finishes an interrupted write without a new synth', () => {
    const dist = oldDist('recover');
    // The first move after the commit point: staged 6 files, journal written, then killed.
    const run = writeInChild(dist, 7);
    expect(run.signal).toBe('SIGKILL');
    expect(existsSync(join(dist, JOURNAL))).toBe(true);
    expect(recoverDist(dist)).toBe(true);
    expect(tree(dist)).toEqual(NEW);
    expect(readdirSync(join(dist, '..'))).toEqual(['dist']);
  });

  it('writes only the changed files: the unchanged keep their mtime; a fresh dist/ gets every file', () => {
    const fresh = join(work, 'fresh', 'dist');
    expect(writeDist(fresh, new Map(Object.entries(NEW)))).toEqual({ added: Object.keys(NEW).sort(), changed: [], removed: [] });
    expect(tree(fresh)).toEqual(NEW);
    const dist = oldDist('in-process');
    const changes = writeDist(dist, new Map(Object.entries(NEW)));
    expect(changes).toEqual({
      added: ['dev/kubernetes/b/added-1.yaml', 'dev/weft/fresh/added-2.yaml', 'dev/weft/fresh/added-3.yaml'],
      changed: ['dev/kubernetes/a/edit-1.yaml', 'dev/kubernetes/b/edit-2.yaml', 'prod/kubernetes/c/edit-3.yaml'],
      removed: ['dev/istio/only/gone.yaml', 'dev/kubernetes/b/gone.yaml'],
    });
    for (const rel of UNCHANGED) expect(statSync(join(dist, rel)).mtimeMs).toBe(PAST.getTime());
    expect(statSync(join(dist, 'dev/kubernetes/b/edit-2.yaml')).mtimeMs).not.toBe(PAST.getTime());
  });
});
