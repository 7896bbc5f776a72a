/**
 * The emitted rules in a real Prometheus (Debian package `prometheus`) on loopback, scraping the
 * local mesh (`weft up`: every workload of the example's `dev` environment as an echo workload
 * behind its Weft proxy, src/local) while a bounded load with a declared error rate flows
 * through it: the recording rules must give the request rate and the error ratios within 5%.
 *
 * The load enters at golang-app-gateway's outbound proxy and calls springboot-app (both SLOs of
 * the example are on it), with `end-user: jason` so that every request takes the `jason` route to
 * v2 (one endpoint: the outlier detector then sees every success). 20 requests per second for
 * 330 s: every 10th asks the echo for a 503, every 20th (offset) for a 300 ms delay. The caller's
 * declared retries (3 on 5xx) make each 503 request arrive 4 times, so the server-side series the
 * rules read carry 0.4 / 1.3 = 30.8% 5xx answers at 1.3 × 20 requests per second. 330 s because
 * the recorded rates are over 5 minutes: Prometheus divides by the whole range, so a window only
 * partly covered by samples under-reads the rate. The recorded values are held both to
 * springboot-app's proxies' own counters over the same window and to what the load declared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../../src/local/ports';
import { LocalMesh } from '../../../src/local/mesh';
import { compileConfigFile } from '../../../src/synth/compile-config';
import { loadMeshConfig } from '../../../src/synth/load';
import { send } from '../../proxy/helpers/proxy';

const RATE_PER_S = 20;
const LOAD_S = 330;
const WINDOW_S = 300;
const TOLERANCE = 0.05;

const dir = mkdtempSync(join(tmpdir(), 'weft-prometheus-'));
let mesh: LocalMesh | undefined;
let retries = 0;
let prometheus: ChildProcess | undefined;
let prometheusPort = 0;
let prometheusLog = '';

/** A port for Prometheus to bind: picked below the ephemeral range, where another process's listen(0) cannot take it first (src/local/ports.ts). */
async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

async function query(expr: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  const v = body.data?.result?.[0]?.value?.[1];
  return v === undefined ? undefined : Number(v);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && !(typeof v === 'number' && Number.isNaN(v))) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${prometheusLog.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface Counters {
  at: number;
  total: number;
  errors: number;
  fast: number;
  count: number;
}

/** springboot-app's server-side series, summed over its instances, read from the proxies' /metrics. */
async function counters(): Promise<Counters> {
  const c: Counters = { at: Date.now(), total: 0, errors: 0, fast: 0, count: 0 };
  for (const inst of mesh!.instancesOf('storefront', 'springboot-app')) {
    const text = await (await fetch(`http://127.0.0.1:${inst.ports.admin}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.includes('reporter="destination"')) continue;
      const v = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (line.startsWith('istio_requests_total{')) {
        c.total += v;
        if (/response_code="5\d\d"/.test(line)) c.errors += v;
      } else if (line.startsWith('istio_request_duration_milliseconds_bucket{') && line.includes('le="250"')) c.fast += v;
      else if (line.startsWith('istio_request_duration_milliseconds_count{')) c.count += v;
    }
  }
  return c;
}

beforeAll(async () => {
  // The example mesh compiled as `npm run synth` does, into a scratch dist/.
  const config = resolve(__dirname, '../../../mesh.config.ts');
  const compiled = await compileConfigFile(config, { environments: ['dev'] });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const dist = join(dir, 'dist');
  for (const [path, content] of compiled.files) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), content);
  }
  const model = (await loadMeshConfig(config)).mesh!.toModel().model!;
  retries = model.services.find((s) => s.name === 'springboot-app')!.resilience.retries!.attempts;
  mesh = await LocalMesh.start({ distDir: dist, env: 'dev', readyTimeoutMs: 180_000 });
  const rules = [...compiled.files].filter(([p]) => p.startsWith('dev/observability/') && p.includes('/prometheusrule-')).map(([, text]) => text);
  expect(rules.length).toBeGreaterThan(0);
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rules.flatMap((t) => (parse(t) as { spec: { groups: unknown[] } }).spec.groups) }));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '2s', evaluation_interval: '2s' },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: [{ job_name: 'weft-proxies', metrics_path: '/metrics', static_configs: [{ targets: mesh.instances.map((i) => `127.0.0.1:${i.ports.admin}`) }] }],
    }),
  );
  prometheusPort = await freePort();
  prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.stdout!.on('data', (c) => (prometheusLog += c));
  prometheus.stderr!.on('data', (c) => (prometheusLog += c));
  await waitFor('Prometheus to be ready', async () => ((await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`)).ok ? true : undefined), 60_000);
  await waitFor('every proxy to be scraped', async () => ((await query('sum(up{job="weft-proxies"})')) === mesh!.instances.length ? true : undefined), 90_000);
}, 400_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  }
  await mesh?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('recording rules in a real Prometheus scraping the local mesh', () => {
  it('give the request rate, the 5xx ratio and the slow-request ratio of a bounded load within 5%', async () => {
    const gateway = mesh!.instancesOf('storefront', 'golang-app-gateway')[0]!;
    const completions: { at: number; status: number; flags: string; i: number }[] = [];
    const pending: Promise<void>[] = [];
    const start = Date.now();
    const total = RATE_PER_S * LOAD_S;
    const sel = 'namespace="storefront",service="springboot-app"';
    let measured: { rate: number; errors: number; availability: number; latency: number; at: number } | undefined;
    // Ground truth: springboot-app's proxies' own counters, read every 5 s during the load.
    const snapshots: Counters[] = [];
    let nextSnapshot = start;
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE_PER_S;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const path = i % 10 === 0 ? '/load?status=503' : i % 20 === 5 ? '/load?delay=300' : '/load';
      pending.push(
        send(gateway.ports.outbound, 'springboot-app.storefront:8080', path, { absolute: true, headers: { 'end-user': 'jason' } }).then((r) => void completions.push({ at: Date.now(), status: r.status, flags: String(r.headers['x-weft-response-flags'] ?? '-'), i })),
      );
      if (Date.now() >= nextSnapshot) {
        nextSnapshot += 5000;
        void counters().then((c) => void snapshots.push(c));
      }
      // Once the 5-minute window lies inside the load (plus scrape and evaluation lag), read the rules.
      if (!measured && Date.now() - start >= (WINDOW_S + 10) * 1000) {
        const at = Date.now();
        measured = {
          at,
          rate: (await query(`weft_service:requests:rate5m{${sel}}`))!,
          errors: (await query(`weft_service:server_error_ratio:rate5m{${sel}}`))!,
          availability: (await query(`weft_slo:error_ratio:rate5m{${sel},slo="availability"}`))!,
          latency: (await query(`weft_slo:error_ratio:rate5m{${sel},slo="latency"}`))!,
        };
      }
    }
    await Promise.all(pending);
    expect(measured, 'the load ended before the rules were read').toBeDefined();
    const m = measured!;

    // 1. The rules compute what springboot-app's proxies counted in the window they cover (they
    //    lag by up to a scrape and an evaluation interval).
    const nearest = (t: number) => snapshots.reduce((a, b) => (Math.abs(b.at - t) < Math.abs(a.at - t) ? b : a));
    const s1 = nearest(m.at - 2000);
    const s0 = nearest(m.at - 2000 - WINDOW_S * 1000);
    const truth = {
      rate: (s1.total - s0.total) / ((s1.at - s0.at) / 1000),
      errors: (s1.errors - s0.errors) / (s1.total - s0.total),
      latency: 1 - (s1.fast - s0.fast) / (s1.count - s0.count),
    };
    // 2. What the load declared: every 10th request a 503 that the caller's retries (3 on 5xx)
    //    send 4 times, every 20th a 300 ms answer.
    const attempts = retries + 1;
    const declared = { rate: RATE_PER_S * (0.9 + 0.1 * attempts), errors: (0.1 * attempts) / (0.9 + 0.1 * attempts), latency: 0.05 / (0.9 + 0.1 * attempts) };
    const outcomes = new Map<string, number>();
    for (const c of completions) {
      const key = `${c.status} ${c.flags} (asked ${c.i % 10 === 0 ? 503 : 200})`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log(
      `recorded: ${m.rate.toFixed(3)} req/s, 5xx ratio ${m.errors.toFixed(4)}, availability error ratio ${m.availability.toFixed(4)}, latency error ratio ${m.latency.toFixed(4)}; ` +
        `proxies counted ${truth.rate.toFixed(3)} req/s, ${truth.errors.toFixed(4)}, ${truth.latency.toFixed(4)}; declared ${declared.rate.toFixed(3)} req/s, ${declared.errors.toFixed(4)}, ${declared.latency.toFixed(4)}; answers ${JSON.stringify([...outcomes])}`,
    );
    const near = (value: number, expected: number, what: string) => expect(Math.abs(value - expected) / expected, `${what}: ${value} vs ${expected}`).toBeLessThan(TOLERANCE);
    near(m.rate, truth.rate, 'recorded request rate vs the proxies\' counters');
    near(m.errors, truth.errors, 'recorded 5xx ratio vs the proxies\' counters');
    near(m.availability, truth.errors, 'recorded availability error ratio vs the proxies\' counters');
    near(m.latency, truth.latency, 'recorded latency error ratio vs the proxies\' histograms');
    near(m.rate, declared.rate, 'recorded request rate vs the declared load');
    near(m.errors, declared.errors, 'recorded 5xx ratio vs the declared load');
    near(m.availability, declared.errors, 'recorded availability error ratio vs the declared load');
    // The latency share also counts requests a loaded machine made slower than 250 ms, so it is
    // held to the proxies' histograms above and only roughly to the declaration here.
    expect(Math.abs(m.latency - declared.latency), `latency error ratio ${m.latency} vs declared ${declared.latency}`).toBeLessThan(0.01);
  }, 900_000);
});
