/**
 * CPU profile of the Weft proxy under load, with the benchmark's realistic config:
 *   node --import tsx bench/proxy/profile.ts [--seconds 10] [--entry lib|tsx] [--rate 2000] [--bundle <file>]
 * Builds the precompiled proxy (entry `lib`, the default, into a private temp file; `--bundle`
 * runs one built elsewhere) or runs `weft proxy` through tsx (entry `tsx`), starts an nginx
 * upstream and the proxy with `--cpu-prof` and the image's node flags, drives it with
 * `wrk -t1 -c50`, stops it (SIGTERM: the profile is written on exit), and prints the functions
 * with the most self time, the functions with the most total time (self plus everything they
 * call: a subtree), and self time grouped by source file, so that the hot path can be read
 * without DevTools.
 * Caveat: V8 samples wall-clock time, so time the process spends preempted inside a syscall is
 * charged to that syscall (`writev`); `perf record` on the process shows CPU time instead, and
 * bench/proxy/instructions.ts counts instructions, which no preemption changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedRate } from './fixed-rate';
import { WEFT_NODE_FLAGS } from './runtimes';
import { freePort, helloServer, nginxConf } from './harness';
import { benchWeftConfig } from './weft-config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const SECONDS = Number(arg('seconds', '10'));
const ENTRY = arg('entry', 'lib');
/** `--rate N`: drive at a fixed rate (bench/proxy/loadgen.c) as the benchmark's CPU figure does, instead of wrk -c50. */
const RATE = Number(arg('rate', '0'));
const BUNDLE = arg('bundle', '');
const dir = mkdtempSync(join(tmpdir(), 'weft-prof-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

function summarize(file: string): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const total = p.nodes.reduce((n, x) => n + x.hitCount, 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  const nameOf = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\//, '').replace(root, '')}:${n.callFrame.lineNumber + 1}`;
  for (const n of p.nodes) {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(root, '');
    const fn = nameOf(n);
    byFn.set(fn, (byFn.get(fn) ?? 0) + n.hitCount);
    const group = url === '' ? n.callFrame.functionName : url.replace(/^.*node_modules\/([^/]+).*$/, 'npm:$1');
    byFile.set(group, (byFile.get(group) ?? 0) + n.hitCount);
  }
  // Total time: a function's samples plus its callees', counted once per stack even when the
  // function recurses or appears several times on it (so no total exceeds 100%).
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const isChild = new Set(p.nodes.flatMap((n) => n.children ?? []));
  const byTotal = new Map<string, number>();
  const onStack = new Map<string, number>();
  const walk = (n: ProfileNode): void => {
    const fn = nameOf(n);
    onStack.set(fn, (onStack.get(fn) ?? 0) + 1);
    if (n.hitCount > 0) for (const name of onStack.keys()) byTotal.set(name, (byTotal.get(name) ?? 0) + n.hitCount);
    for (const c of n.children ?? []) walk(byId.get(c)!);
    const left = onStack.get(fn)! - 1;
    if (left === 0) onStack.delete(fn);
    else onStack.set(fn, left);
  };
  for (const n of p.nodes) if (!isChild.has(n.id)) walk(n);
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return `samples: ${total}\n\n-- by function (self) --\n${top(byFn, 40)}\n\n-- by function (total: self + callees) --\n${top(byTotal, 60)}\n\n-- by file / package (self) --\n${top(byFile, 25)}\n`;
}

async function main(): Promise<void> {
  const up = await freePort();
  const conf = nginxConf(join(dir, 'nginx'), helloServer(up));
  const nginx = spawn('nginx', ['-c', conf], { stdio: 'ignore' });
  const port = await freePort();
  const cfg = join(dir, 'weft.json');
  writeFileSync(cfg, JSON.stringify(benchWeftConfig(port, await freePort(), up, join(dir, 'access.log'))));
  const bundle = BUNDLE || join(dir, 'weft-proxy.mjs');
  // A private build: lib/weft-proxy.mjs may be rebuilt by someone else while this runs.
  if (ENTRY === 'lib' && !BUNDLE && spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/proxy/build.ts'), bundle], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  const entry = ENTRY === 'lib' ? [...WEFT_NODE_FLAGS, bundle] : [join(root, 'bin/weft.mjs'), 'proxy', '--from-source'];
  const weft = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${dir}`, ...entry, '--config', cfg], { stdio: 'inherit', cwd: root });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  if (RATE > 0) {
    await fixedRate(`http://127.0.0.1:${port}/`, RATE, 2);
    console.log(JSON.stringify(await fixedRate(`http://127.0.0.1:${port}/`, RATE, SECONDS)));
  } else {
    spawnSync('wrk', ['-t1', '-c50', '-d2s', `http://127.0.0.1:${port}/`]);
    const r = spawnSync('wrk', ['-t1', '-c50', `-d${SECONDS}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
    console.log(/Requests\/sec:.*/.exec(r.stdout)?.[0]);
  }
  const exited = new Promise((res) => weft.once('exit', res));
  weft.kill('SIGTERM');
  await exited;
  nginx.kill('SIGTERM');
  const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!prof) throw new Error('no profile written');
  console.log(`profile: ${join(dir, prof)}\n`);
  console.log(summarize(join(dir, prof)));
}

await main();
