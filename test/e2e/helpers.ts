import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `weft` binary, as a user would, in `cwd`. */
export function weft(args: string[], cwd = repoRoot, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/weft.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch folder inside the repository (so that `import 'weft'` resolves), removed by the returned function. */
export function scratchDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(repoRoot, 'test/.scratch-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function copyTree(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

export const tmp = () => mkdtempSync(join(tmpdir(), 'weft-e2e-'));
