/**
 * Per-feature cost of the request path, in CPU µs per request, without sockets:
 *   node --import tsx bench/proxy/features.ts [--requests 20000] [--rounds 5] [--only all,accessLog]
 * A CPU profile of one toggle: node --cpu-prof --import tsx bench/proxy/features.ts --only all
 * (also `npm run bench -- proxy --features`, which measures the same toggles end to end over
 * sockets, where the noise of a shared machine is larger than most features' cost).
 *
 * Builds the proxy's real Runtime from the benchmark config (bench/proxy/weft-config.ts) and the
 * same config with one feature off, and pushes synthetic requests through the real path —
 * Exchange, path normalization, tracing, outbound hooks, route matching, the route's steps, the
 * response writer base class, metrics and the access log (to a file, batched) — with each
 * endpoint's pool replaced by an in-process upstream that answers at once. CPU time comes from
 * process.cpuUsage(); variants run interleaved, `--rounds` times, medians reported. A feature's
 * cost = all-on minus that variant. What this leaves out is the same for every variant: the
 * codec and the syscalls (see run.ts for those, end to end).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessLogger } from '../../src/proxy/access-log';
import { EndpointRegistry } from '../../src/proxy/cluster/registry';
import { parseProxyConfig } from '../../src/proxy/config/load';
import { Exchange } from '../../src/proxy/exchange';
import { IstioMetrics } from '../../src/proxy/metrics';
import { NOTHING_TO_ABORT, type Handler } from '../../src/proxy/pipeline/types';
import { Runtime, type ListenerRuntime } from '../../src/proxy/runtime';
import { createOutboundListener } from '../../src/proxy/server/outbound';
import { ResponseWriter } from '../../src/proxy/server/response-writer';
import { serveExchange } from '../../src/proxy/server/serve';
import { benchWeftConfig, FEATURES, type Feature } from './weft-config';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const REQUESTS = Number(arg('requests', '20000'));
const ROUNDS = Number(arg('rounds', '5'));
/** `--only all,accessLog`: just these variants (`all` = every feature on), e.g. under `node --cpu-prof`. */
const ONLY = arg('only', '').split(',').filter(Boolean);
const dir = mkdtempSync(join(tmpdir(), 'weft-features-'));

class NullWriter extends ResponseWriter {
  private sent = false;
  protected get closed(): boolean {
    return false;
  }
  protected get headersSent(): boolean {
    return this.sent;
  }
  protected writeHead(): void {
    this.sent = true;
  }
  protected writeBody(): boolean {
    return true;
  }
  protected endBody(): void {}
  protected reset(): void {}
}

const BODY = Buffer.from('hello world\n');
const RESPONSE = ['content-type', 'text/plain', 'content-length', '12', 'server', 'nginx'];
/** An upstream that answers in the same tick, as the pool's handler protocol does. */
function instantDispatch(_req: unknown, handler: Handler): void {
  handler.onConnect(NOTHING_TO_ABORT);
  handler.onHeaders(200, RESPONSE.slice(), () => {});
  handler.onData(BODY);
  handler.onComplete();
}

const HEAD = {
  method: 'GET',
  target: '/',
  protocol: 'HTTP/1.1',
  rawHeaders: ['Host', 'app.bench.svc.cluster.local', 'User-Agent', 'wrk', 'Accept', '*/*'],
  clientAddress: '127.0.0.1',
};

function variant(without: Feature | null): { run: () => void; close: () => Promise<void> } {
  const input = benchWeftConfig(1, 2, 3, join(dir, `${without ?? 'all'}.log`), without);
  const config = parseProxyConfig(input, '<bench>');
  const registry = new EndpointRegistry();
  registry.begin();
  const log = config.observability.accessLog === false ? null : AccessLogger.open(config.observability.accessLog);
  const rt = new Runtime({ config, hash: 'sha256:bench', text: '' }, registry, config.observability.metrics ? new IstioMetrics() : null, log);
  void registry.commit();
  for (const s of rt.services.values()) for (const e of s.all.endpoints) (e.pool as unknown as { dispatch: typeof instantDispatch }).dispatch = instantDispatch;
  const hooks = createOutboundListener(() => rt).hooks;
  const listener: ListenerRuntime = { kind: 'outbound', draining: false, finish: (ex) => ex.runtime.observe(ex) };
  return {
    run: () => {
      const ex = new Exchange(HEAD, listener, rt);
      serveExchange(ex, new NullWriter(ex), hooks, rt);
    },
    close: async () => {
      await log?.close();
      await registry.close(true);
    },
  };
}

function cpuUsPerRequest(run: () => void, n: number): number {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) run();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const names: Array<Feature | null> = [null, ...FEATURES].filter((f) => ONLY.length === 0 || ONLY.includes(f ?? 'all'));
  const variants = names.map((f) => ({ name: f, v: variant(f), samples: [] as number[] }));
  for (const x of variants) cpuUsPerRequest(x.v.run, REQUESTS); // warm-up: JIT
  for (let round = 0; round < ROUNDS; round++) {
    for (const x of variants) {
      x.samples.push(cpuUsPerRequest(x.v.run, REQUESTS));
      // Let the access log's batched writes and timers run between variants.
      await new Promise((r) => setTimeout(r, 60));
    }
  }
  const base = variants.find((x) => x.name === null);
  const all = base ? median(base.samples) : NaN;
  const lines = [
    `Request path without sockets, ${REQUESTS} requests × ${ROUNDS} rounds, ${process.version}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(2)}:`,
    '',
    `| configuration | CPU µs/request | cost of the feature |`,
    '|---|---:|---:|',
  ];
  for (const x of variants) {
    const m = median(x.samples);
    lines.push(x.name === null ? `| every feature on | ${m.toFixed(2)} | — |` : `| without ${x.name} | ${m.toFixed(2)} | ${base ? `${(all - m).toFixed(2)} µs` : '—'} |`);
  }
  console.log(lines.join('\n'));
  for (const x of variants) await x.v.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
