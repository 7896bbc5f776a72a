import { spawnSync } from 'node:child_process';

/** Why a git read failed, with what the user can do. Bounded: every call has a timeout. */
export class GitError extends Error {
  readonly code = 'WEFT_DIFF_GIT';
}

const TIMEOUT_MS = 60_000;

function git(cwd: string, args: string[], input?: string): Buffer {
  const r = spawnSync('git', args, { cwd, input, timeout: TIMEOUT_MS, maxBuffer: 1 << 30 });
  if (r.error) throw new GitError(`git ${args[0]} failed: ${r.error.message}`);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')}: ${r.stderr.toString().trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** The top folder of the git work tree that holds `cwd`. */
export function repoRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).toString().trim();
}

/** The commit a ref names; throws GitError for a ref that names none. */
export function resolveCommit(root: string, ref: string): string {
  return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).toString().trim();
}

/**
 * Every file under `prefix` (repository-relative, `/`-separated) at `commit`, as
 * `prefix`-relative path → content, read with one `git ls-tree` and one `git cat-file --batch`
 * (not one process per file).
 */
export function readTree(root: string, commit: string, prefix: string): Map<string, string> {
  const listed = git(root, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', prefix]).toString();
  const entries = listed
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type, sha] = line.slice(0, tab).split(' ');
      return { type, sha: sha!, path: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob');
  const out = new Map<string, string>();
  const contents = catFileBatch(root, entries.map((e) => e.sha));
  entries.forEach((e, i) => out.set(e.path.slice(prefix.length + 1), contents[i]!));
  return out;
}

/** Every blob path at `commit` (repository-relative, `/`-separated), from one `git ls-tree`. */
export function listPaths(root: string, commit: string): string[] {
  return git(root, ['ls-tree', '-r', '-z', '--full-tree', '--name-only', commit])
    .toString()
    .split('\0')
    .filter(Boolean);
}

/** The contents of `paths` (which must exist) at `commit`, with one `git cat-file --batch`. */
export function readBlobs(root: string, commit: string, paths: readonly string[]): Map<string, string> {
  const contents = catFileBatch(root, paths.map((p) => `${commit}:${p}`));
  return new Map(paths.map((p, i) => [p, contents[i]!]));
}

/**
 * The contents of objects named one per line, in order: `<sha> <type> <size>\n<content>\n` each.
 * @see https://git-scm.com/docs/git-cat-file#_batch_output
 */
function catFileBatch(root: string, names: readonly string[]): string[] {
  if (!names.length) return [];
  const batch = git(root, ['cat-file', '--batch'], names.join('\n') + '\n');
  const out: string[] = [];
  let at = 0;
  for (const name of names) {
    const nl = batch.indexOf(0x0a, at);
    const header = batch.subarray(at, nl).toString();
    if (header.endsWith(' missing')) throw new GitError(`git cat-file: ${name} is missing`);
    const size = Number(header.split(' ')[2]);
    out.push(batch.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 1 + size + 1;
  }
  return out;
}
