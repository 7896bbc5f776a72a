/**
 * How `weft switch --local` finds the mesh `weft up` runs (src/local/run-record.ts): a record per
 * environment in the state folder; a record whose process is gone is ignored; two running meshes
 * need --env; a mesh removes only its own record.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningMesh, removeRunRecord, writeRunRecord } from '../../src/local/run-record';

const dir = mkdtempSync(join(tmpdir(), 'weft-run-record-'));
const saved = process.env.WEFT_LOCAL_STATE_DIR;
beforeAll(() => {
  process.env.WEFT_LOCAL_STATE_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.WEFT_LOCAL_STATE_DIR;
  else process.env.WEFT_LOCAL_STATE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('local mesh run records', () => {
  it('finds the running mesh, ignores a stale record, and asks for --env when two run', () => {
    expect(() => findRunningMesh()).toThrow(/WEFT_LOCAL_NOT_RUNNING|no local mesh is running/);
    writeRunRecord({ pid: deadPid(), env: 'prod', watchers: [] });
    expect(() => findRunningMesh('prod')).toThrow('no local mesh of environment "prod" is running');
    writeRunRecord({ pid: process.pid, env: 'dev', switchesFile: '/x/switches.json', watchers: [{ label: 'proxy of a-0', adminPort: 1, declared: ['shed'] }] });
    expect(findRunningMesh().switchesFile).toBe('/x/switches.json');
    writeRunRecord({ pid: process.ppid, env: 'qa', watchers: [] });
    expect(() => findRunningMesh()).toThrow('local meshes of "dev", "qa" are running: name one with --env');
    expect(findRunningMesh('qa').pid).toBe(process.ppid);
  });

  it('removes only its own record', () => {
    removeRunRecord('qa');
    expect(existsSync(join(dir, 'qa.json'))).toBe(true);
    removeRunRecord('dev');
    expect(existsSync(join(dir, 'dev.json'))).toBe(false);
  });
});
