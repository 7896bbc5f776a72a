/**
 * Multi-core mode (`weft proxy --workers N`), built on node:cluster. The primary owns what must
 * exist once: the admin listener, the config watcher and validation. N workers each run the
 * proxy's listeners; with SCHED_NONE the kernel spreads accepted connections over them (no hop
 * through the primary). The primary:
 * - validates each new config and sends the text to every worker, which applies it (workers
 *   re-validate; both sides run the same code, so they agree);
 * - answers /metrics by asking every worker for a snapshot over IPC and summing the series;
 * - forwards SIGTERM as a graceful drain and exits when every worker has;
 * - replaces a worker that dies unexpectedly.
 */
import cluster, { type Worker } from 'node:cluster';
import { loadProxyConfig, parseProxyConfigText, type LoadedConfig } from './config/load';
import { ConfigInvalidError, type WeftProxyError } from './errors';
import { stderrLogger, type Logger } from './log';
import { IstioMetrics, METRIC_HELP, renderMetrics, type MetricsSnapshot } from './metrics';
import { WeftProxy } from './proxy';
import { ConfigWatcher } from './reload';
import { AdminServer } from './server/admin';
import { isoTimestamp } from './utc-time';

type ToWorker = { type: 'reload'; text: string } | { type: 'metrics'; id: number } | { type: 'drain' };
type FromWorker = { type: 'ready' } | { type: 'metrics'; id: number; snapshot: MetricsSnapshot };

/** Runs in a worker process: one proxy without admin or watcher, driven by the primary. */
export async function runWorker(configPath: string, logger: Logger = stderrLogger, transform?: (text: string) => string): Promise<void> {
  const loaded = await loadProxyConfig(configPath, transform);
  const proxy = await WeftProxy.start({ config: loaded, configPath, watch: false, admin: false, logger, ...(transform ? { transform } : {}) });
  process.on('message', (m: ToWorker) => {
    if (m.type === 'reload') void proxy.reload(m.text);
    else if (m.type === 'metrics') {
      const snapshot = proxy.metricsSnapshot();
      snapshot.gauges[`weft_proxy_worker_info{worker="${cluster.worker?.id ?? 0}",pid="${process.pid}"}`] = 1;
      process.send?.({ type: 'metrics', id: m.id, snapshot } satisfies FromWorker);
    }
    else if (m.type === 'drain') void proxy.drain().then(() => process.exit(0));
  });
  // The primary decides when to stop; ignore SIGTERM/SIGINT sent to the whole process group.
  process.on('SIGTERM', () => {});
  process.on('SIGINT', () => {});
  process.send?.({ type: 'ready' } satisfies FromWorker);
}

/** Runs in the primary; resolves with the exit code once drained. */
export async function runPrimary(configPath: string, count: number, logger: Logger = stderrLogger, transform?: (text: string) => string): Promise<number> {
  let loaded: LoadedConfig = await loadProxyConfig(configPath, transform);
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const workers = new Set<Worker>();
  const readyWorkers = new Set<Worker>();
  let draining = false;
  let nextId = 1;
  const pending = new Map<number, { left: number; snapshots: MetricsSnapshot[]; done: () => void }>();
  const reloads = { applied: 0, rejected: 0, lastError: null as null | { code: string; message: string; at: string } };
  const own = new IstioMetrics();

  const fork = (): void => {
    const w = cluster.fork();
    workers.add(w);
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') readyWorkers.add(w);
      else if (m.type === 'metrics') {
        const p = pending.get(m.id);
        if (!p) return;
        p.snapshots.push(m.snapshot);
        if (--p.left === 0) p.done();
      }
    });
    w.on('exit', (code) => {
      workers.delete(w);
      readyWorkers.delete(w);
      if (!draining) {
        logger.log('error', 'worker exited unexpectedly; replacing it', { pid: w.process.pid, code });
        fork();
      }
    });
  };
  for (let i = 0; i < count; i++) fork();

  const admin = new AdminServer({
    ready: () => !draining && readyWorkers.size === workers.size && workers.size > 0,
    configDump: () => ({ hash: loaded.hash, workers: workers.size, reloads, config: loaded.config }),
    clusters: () => ({ note: 'per-worker endpoint state is not aggregated; see /metrics' }),
    metrics: () =>
      new Promise<string>((resolve) => {
        const id = nextId++;
        const live = [...readyWorkers];
        const ownSnap = own.snapshot({ [`weft_proxy_config_info{hash="${loaded.hash}"}`]: 1, process_resident_memory_bytes: process.memoryUsage.rss() });
        const finish = (snaps: MetricsSnapshot[]): void => {
          pending.delete(id);
          // Every worker reports the config_info gauge; keep one per proxy, not one per worker.
          for (const s of snaps) for (const k of Object.keys(s.gauges)) if (k.startsWith('weft_proxy_config_info')) delete s.gauges[k];
          resolve(renderMetrics([ownSnap, ...snaps], METRIC_HELP));
        };
        if (live.length === 0) return finish([]);
        const entry = { left: live.length, snapshots: [] as MetricsSnapshot[], done: () => finish(entry.snapshots) };
        pending.set(id, entry);
        // A worker that does not answer in time (busy, dying) must not hang the scrape.
        setTimeout(() => pending.has(id) && finish(entry.snapshots), 2000).unref();
        for (const w of live) w.send({ type: 'metrics', id } satisfies ToWorker);
      }),
  });
  const adminPort = await admin.listen(loaded.config.listeners.admin.host, loaded.config.listeners.admin.port);

  const watcher = new ConfigWatcher(configPath, loaded.config.reload.pollIntervalMs, loaded.hash, async (text) => {
    try {
      const next = parseProxyConfigText(transform ? transform(text) : text, configPath);
      loaded = next;
      reloads.applied++;
      own.inc('weft_proxy_config_reloads_total{result="applied"}');
      for (const w of workers) w.send({ type: 'reload', text } satisfies ToWorker);
      logger.log('info', 'config reloaded', { hash: next.hash, workers: workers.size });
    } catch (error) {
      const e = error as WeftProxyError;
      reloads.rejected++;
      reloads.lastError = { code: e.code, message: e.message, at: isoTimestamp(Date.now()) };
      own.inc('weft_proxy_config_reloads_total{result="rejected"}');
      logger.log('error', 'config rejected; the last good config keeps serving', { code: e.code, error: e.message, ...(error instanceof ConfigInvalidError ? { issues: error.issues } : {}) });
    }
  });
  watcher.start();
  // The bound admin port (the config may say 0): operators and scripts find /metrics and /ready here.
  logger.log('info', 'proxy primary started', { workers: count, hash: loaded.hash, ports: { admin: adminPort } });

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      if (draining) return;
      draining = true;
      watcher.stop();
      logger.log('info', 'draining workers', { workers: workers.size });
      for (const w of workers) w.send({ type: 'drain' } satisfies ToWorker);
      const check = setInterval(() => {
        if (workers.size > 0) return;
        clearInterval(check);
        void admin.close().then(() => resolve(0));
      }, 50);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

export const isWorker = (): boolean => cluster.isWorker;
