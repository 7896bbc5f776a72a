/**
 * The local mesh: every workload instance of a compiled weft environment on loopback, each an
 * echo workload plus its Weft proxy (the precompiled bundle, started as the image starts it),
 * with the proxy configs of dist/ rewritten to loopback ports (./rewrite.ts), and every ingress
 * gateway as its proxy alone, each server on a loopback port of its own, TLS ones with a
 * certificate of the run's throwaway CA for the declared hosts (`gateways()`). It is ready when
 * every proxy's /config_dump reports the hash of the config written for it, so nothing is
 * sampled before the mesh serves what was compiled. Degradation switches live in one switches
 * file per mesh that every proxy watches (./switches.ts): `setSwitch` flips one at runtime and
 * resolves once every proxy reports it, as `weft switch --local` does. If any child exits or a
 * port is taken, the error names it and every other process is stopped: nothing is left behind.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashConfig } from '../proxy/config/load';
import { ensureBundles, type Bundles } from './bundles';
import { LocalCa, type CertificateFiles } from './ca';
import { LocalJwtIssuer } from './jwt-issuer';
import { Child } from './child';
import { ChildExitedError, LocalMeshError, NotReadyError, PortConflictError } from './errors';
import { freePorts } from './ports';
import { rewriteForLoopback, type InstancePorts } from './rewrite';
import { readTopology, type Workload } from './topology';
import { shippedStates, waitApplied, flipSwitchFile, writeSwitchesFile, type SwitchState, type SwitchWatcher } from './switches';
import { removeRunRecord, writeRunRecord } from './run-record';

export interface Instance {
  workload: Workload;
  /** `<workload>-<i>`, the proxy's workload.instance and the echo's instance. */
  name: string;
  ports: InstancePorts;
  configFile: string;
  hash: string;
  /** Its workload certificate (when the config asks for mTLS). */
  certificates?: CertificateFiles;
  /** A TLS gateway's server certificate (its hosts, from the local CA), and for MUTUAL a client certificate its clients can present. */
  gatewayTls?: { server: CertificateFiles; client?: CertificateFiles };
  proxy?: Child;
  echo?: Child;
}

/** A gateway server of the local mesh, as a client reaches it. */
export interface LocalGatewayServer {
  name: string;
  /** `https://127.0.0.1:<port>` or `http://…`: connect here, with a declared host as Host (and SNI over https). */
  url: string;
  port: number;
  hosts: string[];
  tls?: 'SIMPLE' | 'MUTUAL';
  httpsRedirect: boolean;
}

/** A gateway workload of the local mesh: its servers, the CA its TLS servers' certificates chain to, and the client certificate MUTUAL servers accept. */
export interface LocalGateway {
  namespace: string;
  /** The gateway workload's name (`<gateway>-gateway`). */
  name: string;
  servers: LocalGatewayServer[];
  caFile?: string;
  client?: { certFile: string; keyFile: string };
}

export interface LocalMeshOptions {
  distDir: string;
  env: string;
  /** Where the rewritten configs go. @default a fresh temp dir, removed on stop */
  workDir?: string;
  /** Bound for the whole start, ms. @default 90000 */
  readyTimeoutMs?: number;
  /** Progress lines ("starting 18 instances…"). */
  log?: (line: string) => void;
  /** Ports to use, 4 per instance in instance order (echo, inbound, outbound, admin). @default free ports */
  ports?: number[];
  /** Called once if a child dies after start (the mesh is already stopped then). */
  onFailure?: (error: LocalMeshError) => void;
  /** The token issuer whose key replaces every declared JWKS. @default a fresh key per run */
  issuer?: LocalJwtIssuer;
  /**
   * Seeds every proxy's random draws (WEFT_PROXY_SEED = `<seed>/<instance>`, src/proxy/seeded-random.ts),
   * so that the same probes in the same order meet the same splits, faults and picks. @default unseeded
   */
  seed?: number;
  /** Started with `--tag` on every echo (the verification overlay's readiness tag; tests of --target). */
  echoTag?: string;
  /** Leave a run record (./run-record.ts) so that `weft switch --local` finds this mesh (`weft up`). @default false */
  announce?: boolean;
}

const START_CONCURRENCY = 6;
/** Starts on freshly picked free ports before a port conflict is the error (explicit `ports` are never re-picked). */
const PORT_PICKS = 3;

export class LocalMesh {
  readonly instances: Instance[] = [];
  private stopping = false;
  private failure: LocalMeshError | null = null;
  /** Boot finished: a child that dies now is reported through `onFailure` (during boot, `start` throws instead). */
  private started = false;
  private bundles!: Bundles;
  /** Signs the probes' tokens with the key that replaced every declared JWKS (when any JWT rule exists). */
  issuer?: LocalJwtIssuer;
  ca?: LocalCa;
  private readonly workDir: string;
  private readonly ownsWorkDir: boolean;
  /** The switches file every proxy watches (undefined: the environment declares no switch). */
  switchesFile?: string;

  private constructor(private readonly options: LocalMeshOptions) {
    this.ownsWorkDir = !options.workDir;
    this.workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'weft-local-'));
  }

  static async start(options: LocalMeshOptions): Promise<LocalMesh> {
    for (let attempt = 1; ; attempt++) {
      const mesh = new LocalMesh(options);
      try {
        await mesh.boot();
        return mesh;
      } catch (error) {
        await mesh.stop();
        const failure = mesh.failure ?? error;
        // Ports picked here can be taken by another process before a child binds them (./ports.ts): pick again.
        if (failure instanceof PortConflictError && options.ports === undefined && attempt < PORT_PICKS) {
          options.log?.(`${failure.message}; starting again on other free ports`);
          continue;
        }
        throw failure;
      }
    }
  }

  /** Every pid the mesh started (proxies and echoes). */
  pids(): number[] {
    return this.instances.flatMap((i) => [i.proxy?.pid, i.echo?.pid]).filter((p): p is number => p !== undefined);
  }

  instancesOf(namespace: string, service: string, version?: string): Instance[] {
    return this.instances.filter((i) => i.workload.namespace === namespace && i.workload.service === service && (version === undefined || i.workload.version === version));
  }

  private async boot(): Promise<void> {
    const log = this.options.log ?? (() => {});
    const workloads = readTopology(this.options.distDir, this.options.env);
    this.bundles = await ensureBundles();
    const count = workloads.reduce((n, w) => n + w.replicas, 0);
    // TCP listeners (inbound ones in front of an application's TCP port, then outbound TCP routes)
    // get loopback ports of their own: the declared ones would collide between replicas.
    const tcpOf = (w: Workload): number => (Array.isArray(w.config.inboundTcpListeners) ? w.config.inboundTcpListeners.length : 0) + (Array.isArray(w.config.tcpListeners) ? w.config.tcpListeners.length : 0);
    // An application behind inbound TCP listeners is the echo's raw TCP mode, on a port of its own.
    const echoTcpOf = (w: Workload): number => (Array.isArray(w.config.inboundTcpListeners) && w.config.inboundTcpListeners.length > 0 ? 1 : 0);
    // A gateway's servers after the first (which takes the inbound port) get ports of their own.
    const moreServersOf = (w: Workload): number => Math.max(0, (w.gatewayServers?.length ?? 0) - 1);
    const extra = workloads.reduce((n, w) => n + w.replicas * (tcpOf(w) + echoTcpOf(w) + moreServersOf(w)), 0);
    const ports = this.options.ports ?? (await freePorts(count * 4 + extra));
    let p = 0;
    for (const workload of workloads) {
      for (let i = 0; i < workload.replicas; i++) {
        const instancePorts = { echo: ports[p++]!, inbound: ports[p++]!, outbound: ports[p++]!, admin: ports[p++]! };
        const tcp = Array.from({ length: tcpOf(workload) }, () => ports[p++]!);
        const echoTcp = echoTcpOf(workload) ? ports[p++] : undefined;
        const gateway = workload.gatewayServers ? [instancePorts.inbound, ...Array.from({ length: moreServersOf(workload) }, () => ports[p++]!)] : undefined;
        this.instances.push({ workload, name: `${workload.name}-${i}`, ports: { ...instancePorts, ...(tcp.length ? { tcp } : {}), ...(echoTcp !== undefined ? { echoTcp } : {}), ...(gateway ? { gateway } : {}) }, configFile: join(this.workDir, workload.namespace, `${workload.name}-${i}.json`), hash: '' });
      }
    }
    await this.prepareSecurity(workloads);
    this.writeSwitches(workloads);
    this.writeConfigs(workloads);
    // A gateway instance is its proxy alone (no application).
    log(`starting ${this.instances.length} instances (${this.instances.length * 2 - this.instances.filter((i) => i.workload.gateway).length} processes) of environment "${this.options.env}" from ${this.options.distDir}`);
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 90_000);
    let next = 0;
    const starter = async (): Promise<void> => {
      while (next < this.instances.length && !this.failure) await this.startInstance(this.instances[next++]!, deadline);
    };
    await Promise.all(Array.from({ length: START_CONCURRENCY }, starter));
    if (this.failure) throw this.failure;
    await this.waitServing(deadline);
    this.started = true;
    if (this.options.announce) writeRunRecord({ pid: process.pid, env: this.options.env, ...(this.switchesFile ? { switchesFile: this.switchesFile } : {}), watchers: this.switchWatchers() });
    log(`local mesh ready: ${this.instances.length} instances${this.switchesFile ? `; switches file ${this.switchesFile}` : ''}`);
  }

  /** The shipped switch states into the mesh's one switches file (kept across config reloads unless the new dist/ ships others). */
  private writeSwitches(workloads: Workload[]): void {
    const states = shippedStates(this.options.distDir, this.options.env, workloads);
    if (Object.keys(states).length === 0) return;
    this.switchesFile ??= join(this.workDir, 'switches.json');
    writeSwitchesFile(this.switchesFile, states);
  }

  /** Every proxy that watches the switches file, with the switches its config declares. */
  switchWatchers(): SwitchWatcher[] {
    return this.instances.filter((i) => i.workload.config.switches).map((i) => ({ label: `proxy of ${i.name}`, adminPort: i.ports.admin, declared: (i.workload.config.switches.declared as { name: string }[]).map((d) => d.name) }));
  }

  /**
   * Flips a switch at runtime (no config reload, no restart) and resolves once every proxy
   * declaring it reports the new state on its admin port; returns how many proxies that was.
   */
  async setSwitch(name: string, state: SwitchState, timeoutMs = 30_000): Promise<number> {
    if (!this.switchesFile) throw new LocalMeshError('WEFT_LOCAL_NO_SWITCHES', `environment "${this.options.env}" declares no switch: there is no switches file to flip`);
    flipSwitchFile(this.switchesFile, name, state);
    return waitApplied(this.switchWatchers(), name, state, timeoutMs);
  }

  /**
   * A throwaway CA when any config uses mTLS or a gateway terminates TLS: per-instance workload
   * certificates, and per TLS gateway a server certificate whose DNS SANs are its declared hosts
   * (wildcards as declared; `*` alone is no DNS name; read from its servers and routes) plus, for MUTUAL, a client certificate
   * from the same CA (what the gateway's ca.crt then trusts). A local JWT issuer when any config
   * has JWT rules.
   */
  private async prepareSecurity(workloads: Workload[]): Promise<void> {
    if (workloads.some((w) => (w.config.security?.jwt ?? []).length > 0)) this.issuer = this.options.issuer ?? (await LocalJwtIssuer.create());
    const tlsServers = (w: Workload) => (w.gatewayServers ?? []).filter((g) => g.tls);
    const mtls = workloads.some((w) => w.config.security?.mtls);
    if (!mtls && !workloads.some((w) => tlsServers(w).length > 0)) return;
    this.ca = await LocalCa.create();
    for (const inst of this.instances) {
      const td = inst.workload.config.security?.mtls?.trustDomain ?? 'cluster.local';
      if (mtls) inst.certificates = await this.ca.issue(`spiffe://${td}/ns/${inst.workload.namespace}/sa/${inst.workload.serviceAccount}`, join(this.workDir, 'certs', inst.name));
      const servers = tlsServers(inst.workload);
      if (servers.length === 0) continue;
      // The servers' hosts and the hosts its routes serve (the same declared hosts, unless a hand-edited
      // dist/ widened a server's): the certificate stands for the TLS Secret, which such an edit does not change.
      const routeHosts = ((inst.workload.config.routes ?? []) as { hosts?: string[] }[]).flatMap((r) => r.hosts ?? []);
      const dnsNames = [...new Set([...servers.flatMap((g) => g.hosts), ...routeHosts])].filter((h) => h !== '*');
      const server = await this.ca.issueFiles({ dnsNames }, join(this.workDir, 'certs', inst.name, 'gateway-tls'));
      const client = servers.some((g) => g.tls === 'MUTUAL') ? await this.ca.issueFiles({ dnsNames: ['weft-local-client'] }, join(this.workDir, 'certs', inst.name, 'gateway-client')) : undefined;
      inst.gatewayTls = { server, ...(client ? { client } : {}) };
    }
  }

  /** Rewrites every instance's config from `workloads` (same topology) and writes it. */
  private writeConfigs(workloads: Workload[]): void {
    const endpoints = new Map<string, number[]>();
    for (const inst of this.instances) {
      const key = `${inst.workload.namespace}/${inst.workload.name}`;
      endpoints.set(key, [...(endpoints.get(key) ?? []), inst.ports.inbound]);
      // Endpoints on a declared inbound TCP listener port are that listener's loopback port (./rewrite.ts).
      (inst.workload.config.inboundTcpListeners ?? []).forEach((l: { port: number }, j: number) => {
        const tcp = inst.ports.tcp?.[j];
        if (tcp !== undefined) endpoints.set(`${key}:${l.port}`, [...(endpoints.get(`${key}:${l.port}`) ?? []), tcp]);
      });
    }
    for (const w of workloads) if (!endpoints.has(`${w.namespace}/${w.name}`)) endpoints.set(`${w.namespace}/${w.name}`, []);
    for (const inst of this.instances) {
      const workload = workloads.find((w) => w.namespace === inst.workload.namespace && w.name === inst.workload.name) ?? inst.workload;
      inst.workload = workload;
      const local = rewriteForLoopback(workload.config, inst.name, inst.ports, endpoints, { certificates: inst.certificates, jwks: this.issuer?.jwks, switchesFile: this.switchesFile, gatewayTls: inst.gatewayTls?.server });
      // A gRPC application is reached over h2c as compiled (inbound app protocol http2 on a gRPC
      // port): its echo relays h2c to the gRPC echo (--grpc-port) and answers HTTP/1.1 itself, so
      // a service with an HTTP port first and a gRPC port after it keeps HTTP/1.1 on the first.
      // Without a gRPC port the echo has no h2c relay: it stands in for an HTTP/2 application over HTTP/1.1.
      if (!workload.grpc && local.listeners.inbound?.app) delete local.listeners.inbound.app.protocol;
      const text = `${JSON.stringify(local, null, 2)}\n`;
      mkdirSync(join(this.workDir, workload.namespace), { recursive: true });
      writeFileSync(`${inst.configFile}.tmp`, text);
      // rename: the proxy's watcher never reads a half-written file
      renameSync(`${inst.configFile}.tmp`, inst.configFile);
      inst.hash = hashConfig(text);
    }
  }

  private async startInstance(inst: Instance, deadline: number): Promise<void> {
    const label = (role: string) => `${role} of ${inst.name} (${inst.workload.namespace})`;
    if (inst.workload.gateway) {
      // No application behind a gateway: the proxy alone; waitServing sees it ready.
      inst.proxy = new Child(label('gateway'), process.execPath, [this.bundles.proxy, '--config', inst.configFile], this.proxyEnv(inst));
      void inst.proxy.exit.then((e) => this.childExited(inst, inst.proxy!, e.code, e.signal));
      return;
    }
    inst.echo = new Child(label('echo'), process.execPath, [
      this.bundles.echo,
      '--service', inst.workload.service,
      '--version', inst.workload.version,
      '--instance', inst.name,
      '--host', '127.0.0.1',
      '--port', String(inst.ports.echo),
      '--proxy', `http://127.0.0.1:${inst.ports.outbound}`,
      ...(this.options.echoTag !== undefined ? ['--tag', this.options.echoTag] : []),
      ...(inst.workload.grpc ? ['--grpc-port', '0'] : []),
      ...(inst.ports.echoTcp !== undefined ? ['--tcp-port', String(inst.ports.echoTcp)] : []),
    ], this.echoEnv(inst));
    inst.proxy = new Child(label('proxy'), process.execPath, [this.bundles.proxy, '--config', inst.configFile], this.proxyEnv(inst));
    for (const child of [inst.echo, inst.proxy]) void child.exit.then((e) => this.childExited(inst, child, e.code, e.signal));
    try {
      await inst.echo.waitFor(/"event":"listening"/, Math.max(1000, deadline - Date.now()));
    } catch {
      throw this.failure ?? new NotReadyError(inst.echo.label, this.options.readyTimeoutMs ?? 90_000, 'no "listening" line');
    }
  }

  /**
   * The application's view of its TCP upstreams, as the weft target wires it
   * (`WEFT_UPSTREAM_<SERVICE>_<PORT>`, src/targets/weft/tcp.ts), with the loopback ports the
   * outbound TCP listeners got here: the echo's TCP forward endpoint connects there.
   */
  private echoEnv(inst: Instance): NodeJS.ProcessEnv {
    const inbound = Array.isArray(inst.workload.config.inboundTcpListeners) ? inst.workload.config.inboundTcpListeners.length : 0;
    const upstreams: Record<string, string> = {};
    ((inst.workload.config.tcpListeners ?? []) as { name: string }[]).forEach((l, j) => {
      const m = /^[^/]+\/([^:]+):(\d+)$/.exec(l.name);
      const port = inst.ports.tcp?.[inbound + j];
      if (m && port !== undefined) upstreams[`WEFT_UPSTREAM_${m[1]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${m[2]}`] = `127.0.0.1:${port}`;
    });
    return Object.keys(upstreams).length ? { ...process.env, ...upstreams } : process.env;
  }

  private proxyEnv(inst: Instance): NodeJS.ProcessEnv {
    return this.options.seed !== undefined ? { ...process.env, WEFT_PROXY_SEED: `${this.options.seed}/${inst.name}` } : process.env;
  }

  /** The URL of a gateway workload's first server (undefined: no such gateway runs). */
  gatewayUrl(name: string): string | undefined {
    return this.gateways().find((g) => g.name === name)?.servers[0]?.url;
  }

  /** Every gateway workload that runs, with its servers' URLs and the TLS material a client needs. */
  gateways(): LocalGateway[] {
    return this.instances
      .filter((i) => i.workload.gatewayServers)
      .map((i) => ({
        namespace: i.workload.namespace,
        name: i.workload.name,
        servers: i.workload.gatewayServers!.map((g, k) => {
          const port = i.ports.gateway?.[k] ?? i.ports.inbound;
          return { ...g, port, url: `${g.tls ? 'https' : 'http'}://127.0.0.1:${port}` };
        }),
        ...(i.gatewayTls ? { caFile: i.gatewayTls.server.caFile } : {}),
        ...(i.gatewayTls?.client ? { client: { certFile: i.gatewayTls.client.certFile, keyFile: i.gatewayTls.client.keyFile } } : {}),
      }));
  }

  private childExited(inst: Instance, child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.failure) return;
    const out = child.tail();
    const conflict = /EADDRINUSE/.test(out);
    const port = conflict ? Object.entries(inst.ports).find(([, n]) => out.includes(`:${n}`) || out.includes(` ${n}`)) : undefined;
    this.failure = conflict
      ? new PortConflictError(port ? `${child.label}, listener ${port[0]}` : child.label, port?.[1] ?? 0)
      : new ChildExitedError(child.label, code, signal, out);
    const onFailure = this.options.onFailure;
    void this.stop().then(() => {
      if (this.started) onFailure?.(this.failure!);
    });
  }

  /** Waits until every proxy's /config_dump reports the hash of the config written for it. */
  async waitServing(deadline = Date.now() + 30_000): Promise<void> {
    for (const inst of this.instances) {
      let last = 'no answer';
      for (;;) {
        if (this.failure) throw this.failure;
        try {
          const res = await fetch(`http://127.0.0.1:${inst.ports.admin}/config_dump`, { signal: AbortSignal.timeout(2000) });
          const dump = (await res.json()) as { hash?: string };
          if (dump.hash === inst.hash) break;
          last = `serving ${dump.hash}, expected ${inst.hash}`;
        } catch (error) {
          last = (error as Error).message;
        }
        if (Date.now() > deadline) throw new NotReadyError(`proxy of ${inst.name}`, this.options.readyTimeoutMs ?? 30_000, last);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * Serves another compiled dist/ (same workloads and replicas) by hot reload, as Argo CD
   * updating the ConfigMaps would — the switches ConfigMap included, so the switch states are
   * the new dist/'s; resolves when every proxy serves it.
   */
  async reload(distDir: string, timeoutMs = 30_000): Promise<void> {
    const workloads = readTopology(distDir, this.options.env);
    const states = shippedStates(distDir, this.options.env, workloads);
    if (this.switchesFile && Object.keys(states).length > 0) writeSwitchesFile(this.switchesFile, states);
    this.writeConfigs(workloads);
    await this.waitServing(Date.now() + timeoutMs);
  }

  /** Stops every process (SIGTERM, then SIGKILL) and removes the temp dir. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.options.announce) removeRunRecord(this.options.env);
    await Promise.all(this.instances.flatMap((i) => [i.proxy?.stop(), i.echo?.stop()]));
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  /** The table `weft up` prints. */
  table(): string {
    const rows = [['instance', 'namespace', 'version', 'echo', 'inbound', 'outbound', 'admin', 'pids']];
    for (const i of this.instances) {
      rows.push([i.name, i.workload.namespace, i.workload.version, i.workload.gateway ? '-' : String(i.ports.echo), i.workload.config.listeners?.inbound ? String(i.ports.inbound) : '-', String(i.ports.outbound), String(i.ports.admin), `${i.proxy?.pid ?? '-'}/${i.echo?.pid ?? '-'}`]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
  }

  /** The gateway lines `weft up` prints: per server its URL, the hosts it answers for (Host, and SNI over https), and the files a client needs. */
  gatewayTable(): string[] {
    return this.gateways().flatMap((g) =>
      g.servers.map((s) => {
        const what = s.httpsRedirect ? 'redirects to https' : s.tls ? `TLS ${s.tls}${g.caFile ? `, CA ${g.caFile}` : ''}${s.tls === 'MUTUAL' && g.client ? `, client cert ${g.client.certFile} key ${g.client.keyFile}` : ''}` : 'plain http';
        return `gateway ${g.name} (${g.namespace}) ${s.name}: ${s.url}  hosts ${s.hosts.join(', ')}  (${what})`;
      }),
    );
  }
}
