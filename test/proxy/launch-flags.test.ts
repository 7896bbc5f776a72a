/**
 * `weft proxy` runs the bundle with the image's Node flags (src/proxy/node-flags.mjs), as
 * src/proxy/launch.mjs describes: where Node has `process.execve` (Node 24: the image's runtime,
 * from .cache/node24 when the proxy benchmark has installed it) the launcher replaces itself —
 * the same pid then runs `node <flags> lib/weft-proxy.mjs …`, and the workers of `--workers 2`
 * are forked with the same flags; without it (Node 20) the bundle runs in the launcher's own
 * process. Real processes, their command lines from /proc, traffic through them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_NODE_FLAGS } from '../../src/proxy/node-flags.mjs';
import { NODE24 } from '../../bench/proxy/runtimes';
import { send } from './helpers/proxy';
import { until } from './helpers/files';
import { startUpstream, type Upstream } from './helpers/upstream';
import { reviewsConfig } from './helpers/bundle';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/weft.mjs');
const bundle = join(root, 'lib/weft-proxy.mjs');
const dir = mkdtempSync(join(tmpdir(), 'weft-launch-flags-'));
const children = new Set<ChildProcess>();

const runtimes = [process.execPath, ...(existsSync(NODE24) ? [NODE24] : [])];
const hasExecve = (node: string): boolean => spawnSync(node, ['-p', 'typeof process.execve'], { encoding: 'utf8' }).stdout.trim() === 'function';
const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const childPids = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

interface Started {
  child: ChildProcess;
  ports: Record<string, number>;
}

async function weftProxy(node: string, args: string[], startedMsg: string): Promise<Started> {
  const child = spawn(node, [bin, 'proxy', ...args], { stdio: ['ignore', 'ignore', 'pipe'], cwd: root });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const line = await until(
    startedMsg,
    () => stderr.slice(0, stderr.lastIndexOf('\n') + 1).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; ports?: Record<string, number> }).find((l) => l.msg === startedMsg),
    90,
  );
  return { child, ports: line.ports ?? {} };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

describe.skipIf(process.platform !== 'linux')('weft proxy runs the bundle with the image’s Node flags', () => {
  let up: Upstream;
  let file: string;
  beforeAll(async () => {
    up = await startUpstream('reviews-v1');
    file = join(dir, 'proxy.json');
    writeFileSync(
      file,
      JSON.stringify(reviewsConfig(up.port)),
    );
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await up?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(runtimes)('one process (%s): re-executed with the flags where Node has process.execve, in place otherwise; serves and drains', async (node) => {
    const { child, ports } = await weftProxy(node, ['--config', file], 'proxy started');
    const argv = commandLine(child.pid!);
    if (hasExecve(node)) {
      // The same pid now runs the bundle itself, with the image's flags before it.
      expect(argv.slice(1, 1 + PROXY_NODE_FLAGS.length)).toEqual([...PROXY_NODE_FLAGS]);
      expect(argv).toContain(bundle);
      expect(argv).not.toContain(bin);
    } else {
      expect(argv).toContain(bin);
      for (const f of PROXY_NODE_FLAGS) expect(argv).not.toContain(f);
    }
    expect((await send(ports.outbound!, 'reviews', '/flags')).status).toBe(200);
    expect(await stop(child)).toBe(0);
  }, 120_000);

  it.skipIf(!runtimes.some(hasExecve))('--workers 2: the primary and both workers run with the flags', async () => {
    const node = runtimes.find(hasExecve)!;
    const { child, ports } = await weftProxy(node, ['--config', file, '--workers', '2'], 'proxy primary started');
    // Condition-based, generous bound: three processes start on a possibly loaded machine.
    for (let tries = 0; (await send(ports.admin!, 'x', '/ready')).status !== 200; tries++) {
      expect(tries, 'workers ready within 90 s').toBeLessThan(900);
      await new Promise((r) => setTimeout(r, 100));
    }
    const workers = childPids(child.pid!).map(commandLine).filter((argv) => argv.includes(bundle));
    expect(workers).toHaveLength(2);
    for (const argv of [commandLine(child.pid!), ...workers]) expect(argv.slice(1, 1 + PROXY_NODE_FLAGS.length)).toEqual([...PROXY_NODE_FLAGS]);
    expect(await stop(child)).toBe(0);
  }, 180_000);
});
