import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

/** Bound on one CLI run; tests that run the CLI use `E2E_TIMEOUT_MS` as their own timeout. */
export const CLI_BOUND_MS = 240_000;
export const E2E_TIMEOUT_MS = 2 * CLI_BOUND_MS + 30_000;

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
    // A bound against a hung CLI, not a speed assertion: on a loaded 2-core machine a synth
    // (two Node processes with the TypeScript loader) can take tens of seconds.
    timeout: CLI_BOUND_MS,
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
