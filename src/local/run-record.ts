/**
 * How `weft switch <name> on|off --local` finds the mesh that `weft up` runs: while it runs,
 * `weft up` leaves a small record per environment (its pid, the switches file its proxies watch,
 * their admin ports) in a state folder, and removes it when it stops. A record whose process is
 * gone (killed with SIGKILL) is stale and ignored. The folder is `$WEFT_LOCAL_STATE_DIR`, else
 * `<tmpdir>/weft-local`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMeshError } from './errors';
import type { SwitchWatcher } from './switches';

export interface LocalRunRecord {
  pid: number;
  env: string;
  /** The switches file every proxy of that mesh watches (absent: the environment declares no switch). */
  switchesFile?: string;
  watchers: SwitchWatcher[];
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEFT_LOCAL_STATE_DIR ?? join(tmpdir(), 'weft-local');
}

const recordPath = (env: string) => join(stateDir(), `${env}.json`);

export function writeRunRecord(record: LocalRunRecord): void {
  mkdirSync(stateDir(), { recursive: true });
  const path = recordPath(record.env);
  writeFileSync(`${path}.${record.pid}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${path}.${record.pid}.tmp`, path);
}

/** Removes the environment's record if it is this process's (a newer `weft up` may have replaced it). */
export function removeRunRecord(env: string, pid = process.pid): void {
  const path = recordPath(env);
  if (existsSync(path) && readRecord(path)?.pid === pid) rmSync(path, { force: true });
}

function readRecord(path: string): LocalRunRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LocalRunRecord;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local mesh of `env` (default: the only one running); a coded error says why there is none. */
export function findRunningMesh(env?: string): LocalRunRecord {
  const dir = stateDir();
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const running = names.map((f) => readRecord(join(dir, f))).filter((r): r is LocalRunRecord => r !== undefined && alive(r.pid) && (env === undefined || r.env === env));
  if (running.length === 1) return running[0]!;
  if (running.length === 0) throw new LocalMeshError('WEFT_LOCAL_NOT_RUNNING', `no local mesh${env !== undefined ? ` of environment "${env}"` : ''} is running (start one with \`weft up${env !== undefined ? ` --env ${env}` : ''}\`; state folder ${dir})`);
  throw new LocalMeshError('WEFT_LOCAL_AMBIGUOUS', `local meshes of ${running.map((r) => `"${r.env}"`).join(', ')} are running: name one with --env`);
}
