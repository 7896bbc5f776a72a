import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { compareWithDist, faultPoint, stageFile } from './stage-files.mjs';
import { StagingThread } from './stage-thread';

export interface DistChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

/**
 * The scope a synth owns inside dist/: everything (a full synth) or only the given
 * environments' folders (`--env`). Other folders, and dot-entries at the top (the journal),
 * are never touched.
 */
function scopeOf(environments?: readonly string[]): (relPath: string) => boolean {
  if (!environments) return (p) => !p.startsWith('.');
  // `verify/<env>/` is the environment's verification overlay (src/verify/overlay/model.ts).
  return (p) => environments.some((e) => p === e || p.startsWith(`${e}/`) || p.startsWith(`verify/${e}/`));
}

/** Files currently in `dist/` within the scope, as `relative path → content`. */
export function readDist(distDir: string, environments?: readonly string[]): Map<string, string> {
  const root = resolve(distDir);
  const out = new Map<string, string>();
  for (const rel of listDist(root, environments)) out.set(rel, readFileSync(join(root, rel), 'utf8'));
  return out;
}

/** The paths of the files in `dist/` within the scope, sorted; no file is read. */
function listDist(root: string, environments?: readonly string[]): string[] {
  const inScope = scopeOf(environments);
  const out: string[] = [];
  if (!existsSync(root)) return out;
  const walk = (dir: string, prefix: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const rel = prefix + entry.name;
      // A symbolic link is followed, as a plain stat would.
      if (entry.isDirectory() || (entry.isSymbolicLink() && statSync(full).isDirectory())) walk(full, `${rel}/`);
      else if (inScope(rel)) out.push(rel);
    }
  };
  walk(root, '');
  return out;
}

export function diffDist(current: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): DistChanges {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [path, content] of next) {
    if (!current.has(path)) added.push(path);
    else if (current.get(path) !== content) changed.push(path);
  }
  for (const path of current.keys()) if (!next.has(path)) removed.push(path);
  return { added, changed, removed };
}

/**
 * The journal of a write in progress, inside dist/ (a dot-file: outside every scope). It exists
 * from the moment the staged files start moving into dist/ until the last one has, so a write
 * that was interrupted (SIGKILL, out of memory, power cut) is visible to anyone who looks at
 * dist/, and `recoverDist` finishes it.
 */
export const JOURNAL = '.weft-write-journal.json';
/** Staging folders are siblings of dist/ (the same file system, so a rename moves them); the repository ignores them. */
const STAGING_PREFIX = '.weft-tmp-';

interface Journal {
  /** The staging folder, a sibling of dist/. */
  staging: string;
  /** dist/-relative files to remove once the staged ones are in place. */
  removed: string[];
}

export interface StageOptions {
  /** Only these environments' folders (`--env`); the rest of dist/ is kept. @default all */
  environments?: readonly string[];
  /**
   * The staging folder (a sibling of dist/, see `stagingFolderFor`): the parent of a compile
   * child chooses it, so that it can remove it whatever the child does. @default a new one
   */
  staging?: string;
  /** Compare only, stage nothing (`weft synth --check`). */
  dryRun?: boolean;
  /**
   * What a long-lived watch last wrote (dist-memory.ts): a file it knows to hold the offered
   * content is unchanged without being read back. @default every file is compared by its bytes
   */
  known?: { holds(rel: string, content: string): boolean; confirmed(rel: string, content: string): void };
  /**
   * Compare and write on a worker thread (stage-thread.ts) while the caller goes on, once more
   * than `THREAD_AFTER_FILES` files have been offered; `settle()` must then be awaited before
   * `changes()`. Not with `known`. @default inline
   */
  thread?: boolean;
}

/**
 * Files staged inline before a staging thread starts: a worker thread costs ~0.1 s of CPU to
 * start, more than staging the example's ~1,000 files takes (docs/performance.md, "A staging
 * thread").
 */
export const THREAD_AFTER_FILES = 2_000;

/**
 * One synth's changes to dist/, staged beside it and then committed.
 *
 * Why a staging folder and a journal, not a whole new tree swapped in by one rename (what this
 * did before): the swap needs the new tree complete, so every unchanged file had to be carried
 * into it (a hard link each) and the old tree removed afterwards — a cost in every file of
 * dist/ on every synth that changes anything, 42,000 files at 1,000 services, for an edit that
 * changes three. Here the cost follows the change:
 *
 * 1. `offer` compares each new file with dist/ (its size first, the bytes only when the sizes
 *    agree) and writes only an added or changed file, into the staging folder, each folder
 *    created once. dist/ is not touched: a failed or crashed synth leaves it exactly as it was
 *    (the staging folder is garbage, removed by the next synth).
 * 2. `commit` writes the journal into dist/ (written aside, then renamed: it is there whole or
 *    not at all) — the commit point — then moves the staged files in, a folder that dist/ does
 *    not have yet in one rename (a fresh dist/ is a single rename), a file by an atomic
 *    `rename` over the old one, so no reader ever sees a partly written file; then it removes
 *    the stale files and the folders they leave empty, and finally the journal.
 * 3. A crash between the commit point and the end leaves the journal: the next synth (or
 *    `weft synth --check`, which reports it) finishes the moves and removals first
 *    (`recoverDist`; each step can be repeated safely), so dist/ ends as the new tree.
 *
 * The price: while step 2 runs (one rename per changed file), a reader of the working tree can
 * see some files new and some old — each one whole. A whole-tree swap avoided that only by
 * paying for every file every time; Argo CD and CI read dist/ from a git commit, never from a
 * working tree mid-synth. (A power cut between a write and its rename can also lose the write:
 * nothing is fsync'ed, as before.)
 */
export class DistStage {
  readonly root: string;
  /** The staging folder; created on the first staged file. */
  readonly staging: string;
  private readonly inScope: (rel: string) => boolean;
  private readonly made = new Set<string>();
  private readonly offered = new Set<string>();
  private readonly added: string[] = [];
  private readonly changed: string[] = [];
  private readonly environments?: readonly string[];
  private readonly dryRun: boolean;
  private readonly known: StageOptions['known'];
  private thread: StagingThread | undefined;
  private readonly threaded: boolean;
  /** dist/ did not exist when the synth began: every file is added, and none needs a stat (one per file, 42,000 at 1,000 services). */
  private readonly fresh: boolean;

  constructor(distDir: string, options: StageOptions = {}) {
    this.root = resolve(distDir);
    this.fresh = !existsSync(this.root);
    this.environments = options.environments;
    this.staging = options.staging ?? stagingFolderFor(this.root);
    this.dryRun = options.dryRun ?? false;
    this.inScope = scopeOf(options.environments);
    this.known = options.known;
    this.threaded = options.thread === true && !options.known;
  }

  /** Compares one file of the new output with dist/; stages it when it is added or changed. */
  offer(rel: string, content: string): void {
    this.offered.add(rel);
    if (this.threaded && this.offered.size > THREAD_AFTER_FILES) {
      this.thread ??= new StagingThread({ root: this.root, staging: this.staging, fresh: this.fresh, dryRun: this.dryRun });
      return this.thread.offer(rel, content);
    }
    if (this.known?.holds(rel, content)) return;
    const state = this.fresh ? 'added' : compareWithDist(join(this.root, rel), content);
    if (state === 'same') return this.known?.confirmed(rel, content);
    (state === 'added' ? this.added : this.changed).push(rel);
    if (!this.dryRun) stageFile(this.staging, rel, content, this.made);
  }

  /** Waits for the staging thread (`thread: true`) to have compared and written every offered file; rejects with its first failure. */
  async settle(): Promise<void> {
    if (!this.thread) return;
    const { added, changed } = await this.thread.settle();
    this.thread = undefined;
    // A loop, not push(...): 420,000 paths at 10,000 services exceed the stack as arguments.
    for (const rel of added) this.added.push(rel);
    for (const rel of changed) this.changed.push(rel);
  }

  /** What the offered files change in dist/: added and changed as offered, removed = in scope and not offered. */
  changes(): DistChanges {
    if (this.thread) throw new Error('DistStage.changes() before settle(): the staging thread has not finished');
    const removed = listDist(this.root, this.environments).filter((rel) => this.inScope(rel) && !this.offered.has(rel));
    const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return { added: [...this.added].sort(byPath), changed: [...this.changed].sort(byPath), removed };
  }

  /** Moves the staged files into dist/ and removes `changes.removed` (see the class comment). */
  commit(changes: DistChanges): void {
    if (changes.added.length + changes.changed.length + changes.removed.length === 0) return this.discard();
    if (!existsSync(this.root) && existsSync(this.staging) && changes.removed.length === 0) {
      // A fresh dist/: the staged tree is the whole output.
      mkdirSync(dirname(this.root), { recursive: true });
      renameSync(this.staging, this.root);
      return;
    }
    mkdirSync(this.root, { recursive: true });
    const journal: Journal = { staging: basename(this.staging), removed: changes.removed };
    const aside = join(this.root, `${JOURNAL}.tmp`);
    writeFileSync(aside, JSON.stringify(journal));
    renameSync(aside, join(this.root, JOURNAL));
    finish(this.root, journal);
  }

  /** Removes the staging folder: nothing of this synth reaches dist/. */
  discard(): void {
    this.thread?.abandon();
    this.thread = undefined;
    try {
      rmSync(this.staging, { recursive: true, force: true });
    } catch (error) {
      // Its parent is not a folder (WEFT051 says why): there is no staging folder to remove.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
  }
}

/** A fresh staging folder name beside `root`. */
export function stagingFolderFor(distDir: string): string {
  const root = resolve(distDir);
  return join(dirname(root), `${STAGING_PREFIX}${basename(root)}-${process.pid}-${Date.now()}`);
}

/**
 * Finishes a write whose journal is in dist/ (one interrupted by a crash), and removes staging
 * folders of synths that are no longer running. Returns true when a journal was found.
 */
export function recoverDist(distDir: string): boolean {
  const root = resolve(distDir);
  removeAbandonedStaging(root);
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(join(root, JOURNAL), 'utf8')) as Journal;
  } catch {
    removeFile(join(root, `${JOURNAL}.tmp`)); // a crash before the commit point
    return false;
  }
  finish(root, journal);
  return true;
}

/** Whether dist/ holds the journal of an unfinished write. */
export function hasUnfinishedWrite(distDir: string): boolean {
  return existsSync(join(resolve(distDir), JOURNAL));
}

/** Steps 2–3 of a commit; every step can be repeated after a crash. */
function finish(root: string, journal: Journal): void {
  const staging = join(dirname(root), journal.staging);
  if (existsSync(staging)) moveInto(staging, root);
  const emptied = new Set<string>();
  for (const rel of journal.removed) {
    removeFile(join(root, rel));
    faultPoint();
    for (let dir = dirname(rel); dir !== '.' && dir !== ''; dir = dirname(dir)) emptied.add(dir);
  }
  // Deepest first, so that a folder's emptied children are gone before it is tried.
  for (const dir of [...emptied].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1))) {
    try {
      rmdirSync(join(root, dir));
    } catch {
      // not empty (or already gone): it keeps files
    }
  }
  rmSync(staging, { recursive: true, force: true });
  unlinkSync(join(root, JOURNAL));
}

/**
 * Removes a stale file. What is no longer a file is left: where a file became a folder (or a
 * folder a file), the move has already put the new entry there, and a repeated removal after a
 * crash finds nothing.
 */
function removeFile(path: string): void {
  try {
    if (lstatSync(path).isDirectory()) return;
    unlinkSync(path);
  } catch {
    // absent, or its folder became a file: nothing to remove
  }
}

/** Moves every entry of `from` into `to`: a folder `to` lacks in one rename, a file over its old version. */
function moveInto(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    let existing: 'none' | 'dir' | 'file' = 'none';
    try {
      existing = statSync(target).isDirectory() ? 'dir' : 'file';
    } catch {
      // absent
    }
    if (entry.isDirectory() && existing === 'dir') {
      moveInto(source, target);
      continue;
    }
    // A file where a folder was (or the reverse) replaces it.
    if (existing !== 'none' && entry.isDirectory() !== (existing === 'dir')) rmSync(target, { recursive: true, force: true });
    renameSync(source, target);
    faultPoint();
  }
}

/** Staging folders of this dist/ left by a synth that no longer runs (it crashed before its commit point). */
function removeAbandonedStaging(root: string): void {
  const parent = dirname(root);
  const prefix = `${STAGING_PREFIX}${basename(root)}-`;
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  let journalStaging: string | undefined;
  try {
    journalStaging = (JSON.parse(readFileSync(join(root, JOURNAL), 'utf8')) as Journal).staging;
  } catch {
    // no journal
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (name !== journalStaging && !isRunning(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Replaces dist/ (or only the given environments' folders) with `files`: only added and changed
 * files are written, stale ones removed, unchanged ones not touched (their mtime stays). See
 * `DistStage` for how a crash at any point leaves dist/ recoverable.
 */
export function writeDist(distDir: string, files: ReadonlyMap<string, string>, environments?: readonly string[]): DistChanges {
  recoverDist(distDir);
  const stage = new DistStage(distDir, { environments });
  try {
    for (const [rel, content] of files) stage.offer(rel, content);
    const changes = stage.changes();
    stage.commit(changes);
    return changes;
  } finally {
    stage.discard();
  }
}

/** WEFT051: dist/ (or its staging folder beside it) could not be written; dist/ is as it was, or holds the journal of a write the next synth finishes. */
export function cannotWrite(distDir: string, error: unknown): Diagnostic {
  const why = error instanceof Error ? error.message : String(error);
  return {
    code: 'WEFT051',
    severity: 'error',
    message: `could not write ${distDir}: ${why}`,
    path: '',
    hint: `make ${dirname(resolve(distDir))} writable and free some disk space, then run synth again; it finishes or discards what this run left`,
  };
}
