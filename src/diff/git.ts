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
 * @see https://git-scm.com/docs/git-cat-file#_batch_output
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
  if (!entries.length) return out;
  const batch = git(root, ['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
  let at = 0;
  for (const e of entries) {
    const nl = batch.indexOf(0x0a, at);
    const header = batch.subarray(at, nl).toString();
    const size = Number(header.split(' ')[2]);
    const content = batch.subarray(nl + 1, nl + 1 + size).toString('utf8');
    at = nl + 1 + size + 1;
    out.set(e.path.slice(prefix.length + 1), content);
  }
  return out;
}

/** One file at `commit`, or undefined when the commit does not have it. */
export function readFile(root: string, commit: string, path: string): string | undefined {
  const r = spawnSync('git', ['cat-file', 'blob', `${commit}:${path}`], { cwd: root, timeout: TIMEOUT_MS, maxBuffer: 1 << 30 });
  if (r.error) throw new GitError(`git cat-file failed: ${r.error.message}`);
  return r.status === 0 ? r.stdout.toString('utf8') : undefined;
}
