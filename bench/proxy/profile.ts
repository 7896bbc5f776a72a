/**
 * CPU profile of the Weft proxy under wrk load, with the benchmark's realistic config:
 *   node --import tsx bench/proxy/profile.ts [--seconds 10] [--entry lib|tsx] [--rate 2000]
 * Builds the precompiled proxy (entry `lib`, the default) or runs `weft proxy` through tsx
 * (entry `tsx`), starts an nginx upstream and the proxy with `--cpu-prof`, drives it with `wrk -t1 -c50`,
 * stops it (SIGTERM: the profile is written on exit), and prints the functions with the most
 * self time, grouped by source file, so that the hot path can be read without DevTools.
 * Caveat: V8 samples wall-clock time, so time the process spends preempted inside a syscall is
 * charged to that syscall (`writev`); `perf record` on the process shows CPU time instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedRate } from './fixed-rate';
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
const dir = mkdtempSync(join(tmpdir(), 'weft-prof-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

function summarize(file: string): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const total = p.nodes.reduce((n, x) => n + x.hitCount, 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of p.nodes) {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(root, '');
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + n.hitCount);
    const group = url === '' ? n.callFrame.functionName : url.replace(/^.*node_modules\/([^/]+).*$/, 'npm:$1');
    byFile.set(group, (byFile.get(group) ?? 0) + n.hitCount);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return `samples: ${total}\n\n-- by function (self) --\n${top(byFn, 40)}\n\n-- by file / package (self) --\n${top(byFile, 25)}\n`;
}

async function main(): Promise<void> {
  const up = 18_000 + Math.floor(Math.random() * 1000);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  keepalive_requests 1000000; server { listen 127.0.0.1:${up}; location / { return 200 "hello world\\n"; } } }`,
  );
  const nginx = spawn('nginx', ['-c', conf], { stdio: 'ignore' });
  const port = up + 1000;
  const cfg = join(dir, 'weft.json');
  writeFileSync(cfg, JSON.stringify(benchWeftConfig(port, port + 1, up, join(dir, 'access.log'))));
  if (ENTRY === 'lib' && spawnSync('npm', ['run', '--silent', 'build:proxy'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  const entry = ENTRY === 'lib' ? [join(root, 'lib/weft-proxy.mjs')] : [join(root, 'bin/weft.mjs'), 'proxy'];
  const weft = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...entry, '--config', cfg], { stdio: 'inherit', cwd: root });
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
