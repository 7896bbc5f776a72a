/**
 * `weft up`: the whole fixture mesh on loopback, stopped by SIGINT with no process left behind
 * (checked by pid) — also when `weft up` itself is SIGKILLed —, and a crashed child reported by name with every other process stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureDist } from '../verify/fixtures/dist';
import { alive, until } from './processes';

const ROOT = join(__dirname, '../..');


interface Up {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function up(dist: string): Up {
  const child = spawn(process.execPath, ['bin/weft.mjs', 'up', '--dist', dist], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return { child, out: () => out, err: () => err, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** Pids from the table's last column (`proxy/echo`). */
function pids(table: string): number[] {
  return [...table.matchAll(/\s(\d+)\/(\d+)$/gm)].flatMap((m) => [Number(m[1]), Number(m[2])]);
}

describe('weft up', () => {
  let running: Up | undefined;
  afterEach(() => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
  });

  it('runs every instance (replicas honoured), prints the table, and SIGINT stops every process', async () => {
    running = up(fixtureDist());
    expect(await until(() => running!.out().includes('Ctrl-C stops everything'), 120_000), running.err()).toBe(true);
    const table = running.out();
    // backend v1 has 2 replicas: two instances, each with its own echo and proxy
    expect(table).toMatch(/^backend-v1-0\s+t\s+v1\s/m);
    expect(table).toMatch(/^backend-v1-1\s+t\s+v1\s/m);
    const all = pids(table);
    expect(all.length).toBe(2 * 6);
    expect(all.every(alive)).toBe(true);
    running.child.kill('SIGINT');
    expect(await running.exit).toBe(0);
    expect(await until(() => all.every((p) => !alive(p)), 15_000), `still alive: ${all.filter(alive)}`).toBe(true);
  }, 180_000);

  it('leaves no process behind when weft up itself is SIGKILLed (the children watch their IPC lifeline)', async () => {
    running = up(fixtureDist());
    expect(await until(() => running!.out().includes('Ctrl-C stops everything'), 120_000), running.err()).toBe(true);
    const all = pids(running.out());
    expect(all.every(alive)).toBe(true);
    running.child.kill('SIGKILL');
    await running.exit;
    expect(await until(() => all.every((p) => !alive(p)), 30_000), `still alive: ${all.filter(alive)}`).toBe(true);
  }, 180_000);

  it('names a crashed child and stops everything else', async () => {
    running = up(fixtureDist());
    expect(await until(() => running!.out().includes('Ctrl-C stops everything'), 120_000), running.err()).toBe(true);
    const all = pids(running.out());
    const [victimProxy, victimEcho] = [...running.out().matchAll(/^(shadow-v1-0)\s.*\s(\d+)\/(\d+)$/gm)].map((m) => [Number(m[2]), Number(m[3])])[0]!;
    process.kill(victimEcho!, 'SIGKILL');
    expect(await running.exit).toBe(1);
    expect(running.err()).toMatch(/WEFT_LOCAL_CHILD_EXITED: echo of shadow-v1-0 \(t\) exited \(signal SIGKILL\)/);
    expect(await until(() => all.every((p) => !alive(p)), 15_000), `still alive: ${all.filter(alive)}`).toBe(true);
    void victimProxy;
  }, 180_000);
});
