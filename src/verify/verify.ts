/**
 * `weft verify` as a function: load mesh.config.ts → model for the environment → plan → (start
 * the local mesh from dist/) → drive → judge → report. One straight line; each stage lives in
 * its own module. Returns the report and the exit code; the CLI only parses flags and prints.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic';
import type { MeshModel } from '../model/mesh';
import { modelForEnvironment } from '../model/query';
import { loadMeshConfig } from '../synth/load';
import { LocalMesh } from '../local/mesh';
import { derivePlan, type PlanOptions } from './plan/derive';
import type { Plan, PlannedCheck } from './plan/types';
import { declarationOf } from './plan/declaration';
import type { VerifyReport } from './report';
import { drive } from './drive/run';
import { LocalTransport, type LocalGatewayServer, type Transport } from './drive/transport';
import type { Via } from './plan/types';
import { gatewayWorkload } from '../model/gateway-workload';
import { gatewayWorkloadName } from '../targets/weft/gateway';
import { ForwardTransport, type TargetTls } from './drive/forward-transport';
import { waitForOverlay } from './drive/ready';
import type { TokenSigner } from './drive/context';
import { callingServices, overlayTag } from './overlay/model';
import { verificationIssuer } from './overlay/issuer';
import { planForTarget } from './plan/target';
import { judge } from './judge';
import { junitXml } from './output/junit';
import { writeGithub } from './output/github';
import { createProgress } from './output/progress';

export interface VerifyOptions extends PlanOptions {
  configPath: string;
  /** @default the first environment whose mesh is weft (local), else the first */
  env?: string;
  distDir: string;
  /** Only checks whose id contains this text (or matches it as a /regex/). */
  only?: string;
  seed: number;
  /** Print the plan and stop. */
  planOnly?: boolean;
  json?: string;
  junit?: string;
  /** An already running local mesh (tests, mutation runs); it is not stopped. */
  mesh?: LocalMesh;
  /**
   * A cluster running `dist/verify/<env>/`: the base URL of its ingress gateway (cluster mode,
   * ./drive/forward-transport.ts). The local mesh is not started.
   */
  target?: string;
  /**
   * TLS files for an https target (`--target-ca`, `--target-cert`, `--target-key`): the CA of the
   * gateway's server certificate, and the client certificate and key a MUTUAL gateway requires —
   * with them its routes are probed; without them they are not verified (WEFT802).
   */
  targetTls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Bound for the cluster to serve the overlay (--target). @default 120000 */
  targetReadyTimeoutMs?: number;
  out?: NodeJS.WriteStream;
  env_?: NodeJS.ProcessEnv;
}

export interface VerifyOutcome {
  exitCode: number;
  diagnostics: Diagnostic[];
  plan?: Plan;
  report?: VerifyReport;
}

let runs = 0;

export async function loadPlan(options: Pick<VerifyOptions, 'configPath' | 'env' | 'alpha' | 'power' | 'deviation' | 'gatewayScheme' | 'gatewayClientCertificate'>, requireWeft: boolean): Promise<{ plan?: Plan; model?: MeshModel; diagnostics: Diagnostic[] }> {
  const loaded = await loadMeshConfig(options.configPath);
  if (!loaded.mesh) return { diagnostics: loaded.diagnostics };
  const built = loaded.mesh.toModel();
  if (!built.model || hasErrors(built.diagnostics)) return { diagnostics: built.diagnostics };
  const model = built.model;
  const at = { path: model.name, location: model.location };
  const env = options.env ? model.environments.find((e) => e.name === options.env) : (model.environments.find((e) => e.mesh === 'weft') ?? model.environments[0]);
  if (!env) {
    return { diagnostics: [{ code: 'WEFT800', severity: 'error', ...at, message: `environment "${options.env}" is not declared`, hint: `use one of: ${model.environments.map((e) => e.name).join(', ')}` }] };
  }
  if (requireWeft && env.mesh !== 'weft') {
    const weft = model.environments.filter((e) => e.mesh === 'weft').map((e) => e.name);
    return {
      diagnostics: [{ code: 'WEFT801', severity: 'error', ...at, message: `environment "${env.name}" uses mesh "${env.mesh}"; the local mesh runs the Weft proxy, so --local needs an environment whose mesh is "weft"`, hint: weft.length ? `use --env ${weft[0]}, or verify "${env.name}" on its cluster with --target URL` : `declare an environment with mesh: 'weft' (for example dev), or use --target URL` }],
    };
  }
  const plan = derivePlan(modelForEnvironment(model, env), env.name, options);
  return { plan, model, diagnostics: [] };
}

export function selectChecks(plan: Plan, only: string | undefined): PlannedCheck[] {
  if (!only) return plan.checks;
  const re = /^\/.*\/$/.test(only) ? new RegExp(only.slice(1, -1)) : undefined;
  return plan.checks.filter((c) => (re ? re.test(c.id) : c.id.includes(only)));
}

export async function verify(options: VerifyOptions): Promise<VerifyOutcome> {
  const out = options.out ?? process.stdout;
  const gatewayScheme = options.target ? (new URL(options.target).protocol === 'https:' ? 'https' : 'http') : undefined;
  const tls = readTargetTls(options.targetTls);
  if ('diagnostic' in tls) return { exitCode: 1, diagnostics: [tls.diagnostic] };
  const gatewayClientCertificate = Boolean(tls.cert && tls.key);
  const loaded = await loadPlan({ ...options, gatewayScheme, gatewayClientCertificate }, !options.planOnly && !options.target);
  const { diagnostics } = loaded;
  if (!loaded.plan) return { exitCode: 1, diagnostics };
  // The services that get a probe client in the overlay (cluster mode reaches the mesh through them).
  const clients = new Set(callingServices(loaded.model!).map((s) => `${s.namespace}/${s.name}`));
  const calls = new Set(loaded.model!.services.flatMap((s) => s.calls.flatMap((c) => (c.target.kind === 'service' ? [`${s.namespace}/${s.name} → ${c.target.service.namespace}/${c.target.service.name}`] : []))));
  const meshOf = loaded.model!.environments.find((e) => e.name === loaded.plan!.environment)!.mesh;
  const plan = options.target ? planForTarget(loaded.plan, calls, meshOf, gatewayScheme) : loaded.plan;
  const checks = selectChecks(plan, options.only);
  if (checks.length === 0) {
    const d: Diagnostic = { code: 'WEFT803', severity: 'error', path: plan.mesh, message: `--only "${options.only}" matches none of the ${plan.checks.length} checks`, hint: 'run with --plan to list the check ids' };
    return { exitCode: 1, diagnostics: [d], plan };
  }
  const notVerified: Diagnostic[] = plan.notVerified.map((n) => ({
    code: 'WEFT802',
    severity: 'warning',
    path: n.declaration.path,
    location: { file: n.declaration.file, line: n.declaration.line, column: n.declaration.column },
    message: `${n.kind} not verified: ${n.reason}`,
    hint: 'see docs/verify.md (what the verifier checks)',
  }));
  if (options.planOnly) return { exitCode: 0, diagnostics: notVerified, plan: { ...plan, checks } };

  const started = new Date();
  const t0 = performance.now();
  if (options.target) return verifyTarget(options, options.target, tls, plan, checks, loaded.model!, clients, notVerified, started, t0);
  const mesh = options.mesh ?? (await LocalMesh.start({ distDir: options.distDir, env: plan.environment, seed: options.seed, log: (l) => out.write(`${l}\n`) }));
  let transport: Transport | undefined;
  try {
    await mesh.waitServing();
    transport = new LocalTransport({
      outbound: (s) => mesh.instancesOf(s.namespace, s.name).map((i) => i.ports.outbound),
      echoes: (s) => mesh.instancesOf(s.namespace, s.name, s.version).filter((i) => s.instance === undefined || i.name === s.instance).map((i) => i.ports.echo),
      inbound: (s) => {
        const instances = mesh.instancesOf(s.namespace, s.name).filter((i) => i.workload.config.listeners?.inbound);
        const mode = instances[0]?.workload.config.security?.mtls?.mode;
        return { ports: instances.map((i) => i.ports.inbound), tls: mode === 'STRICT' || mode === 'PERMISSIVE' };
      },
      identity: (s) => mesh.instancesOf(s.namespace, s.name)[0]?.certificates,
      configFile: (s) => mesh.instancesOf(s.namespace, s.name)[0]?.configFile,
      admin: (s) => mesh.instancesOf(s.namespace, s.name)[0]?.ports.admin,
      inboundTcp: (s, name) => {
        // Inbound TCP listeners take the first of an instance's TCP ports, in config order (src/local/rewrite.ts).
        const inst = mesh.instancesOf(s.namespace, s.name)[0];
        const config = inst?.workload.config;
        const index = ((config?.inboundTcpListeners ?? []) as { name: string }[]).findIndex((l) => l.name === name);
        const mode = config?.security?.mtls?.mode;
        return index < 0 || inst!.ports.tcp?.[index] === undefined ? undefined : { port: inst!.ports.tcp[index]!, tls: mode === 'STRICT' || mode === 'PERMISSIVE' };
      },
      tcpListener: (s, name) => {
        // The local mesh numbers TCP listener ports inbound ones first, then outbound ones (src/local/rewrite.ts).
        const inst = mesh.instancesOf(s.namespace, s.name)[0];
        const config = inst?.workload.config;
        const index = ((config?.tcpListeners ?? []) as { name: string }[]).findIndex((l) => l.name === name);
        return index < 0 ? undefined : inst!.ports.tcp?.[(config?.inboundTcpListeners?.length ?? 0) + index];
      },
      setSwitch: (name, state) => mesh.setSwitch(name, state),
      gateway: (via) => localGatewayServer(mesh, loaded.model!, via),
      gatewayConfigFile: (via) => {
        const declared = loaded.model!.gateways.find((g) => g.namespace === via.caller.namespace && g.name === via.caller.name);
        return declared && mesh.instancesOf(gatewayWorkload(declared).namespace, gatewayWorkloadName(declared))[0]?.configFile;
      },
    });
    const signer = mesh.issuer && ((claims: Record<string, unknown>) => mesh.issuer!.sign(claims));
    const report = await driveAndReport(options, plan, checks, transport, signer, { mode: 'local', dist: options.distDir }, started, t0);
    return { exitCode: report.summary.failed > 0 ? 1 : 0, diagnostics: notVerified, plan, report };
  } finally {
    await transport?.close();
    if (!options.mesh) await mesh.stop();
  }
}

/**
 * The local mesh's server of a declared gateway that takes a gateway probe: the TLS one for
 * https, the plain (or redirecting) one for http. The gateway workload is `<gateway>-gateway` in
 * its workload's namespace (src/targets/weft/gateway.ts).
 */
function localGatewayServer(mesh: LocalMesh, model: MeshModel, via: Via): LocalGatewayServer | undefined {
  const declared = model.gateways.find((g) => g.namespace === via.caller.namespace && g.name === via.caller.name);
  if (!declared) return undefined;
  const running = mesh.gateways().find((g) => g.namespace === gatewayWorkload(declared).namespace && g.name === gatewayWorkloadName(declared));
  const server = running?.servers.find((s) => (via.scheme === 'https') === (s.tls !== undefined));
  if (!running || !server) return undefined;
  return { port: server.port, ...(server.tls && running.caFile ? { tls: { caFile: running.caFile, ...(server.tls === 'MUTUAL' && running.client ? { client: running.client } : {}) } } : {}) };
}

/**
 * Cluster mode: the overlay's gateway at `target`, probes through the probe clients' forward
 * endpoint, tokens signed with the overlay's verification key; sampling starts once every
 * probed pair answers with the overlay's tag.
 */
async function verifyTarget(options: VerifyOptions, target: string, tls: TargetTls, plan: Plan, checks: PlannedCheck[], model: MeshModel, clients: ReadonlySet<string>, notVerified: Diagnostic[], started: Date, t0: number): Promise<VerifyOutcome> {
  const byRef = new Map(model.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const authorityOf = (ref: { namespace: string; name: string }) => {
    const s = byRef.get(`${ref.namespace}/${ref.name}`);
    const port = s?.ports.find((p) => p.protocol === 'http' || p.protocol === 'http2');
    return s && port ? `${s.name}.${s.namespace}:${port.port}` : undefined;
  };
  // A service's arrival counts (mirror checks) are read through the probe client of a caller that declares a call to it.
  const observerOf = (ref: { namespace: string; name: string }) => {
    const s = byRef.get(`${ref.namespace}/${ref.name}`);
    const caller = s && model.services.find((c) => clients.has(`${c.namespace}/${c.name}`) && c.calls.some((k) => k.target.kind === 'service' && k.target.service.namespace === s.namespace && k.target.service.name === s.name));
    return s && caller ? { caller: { namespace: caller.namespace, name: caller.name }, instances: (version?: string) => s.versions.filter((v) => version === undefined || v.name === version).reduce((n, v) => n + v.replicas, 0) } : undefined;
  };
  const transport = new ForwardTransport(target, authorityOf, clients, observerOf, tls);
  try {
    const issuer = await verificationIssuer();
    const signer = (claims: Record<string, unknown>) => issuer.sign(claims);
    await waitForOverlay(transport, checks, overlayTag(model, plan.environment), target, options.targetReadyTimeoutMs ?? 120_000, signer);
    const report = await driveAndReport(options, plan, checks, transport, signer, { mode: 'target', target }, started, t0);
    return { exitCode: report.summary.failed > 0 ? 1 : 0, diagnostics: notVerified, plan, report };
  } finally {
    await transport.close();
  }
}

/** The `--target-*` files, read once; an unreadable one is WEFT804 (the run does not start). */
function readTargetTls(files: VerifyOptions['targetTls']): TargetTls | { diagnostic: Diagnostic } {
  const out: TargetTls = {};
  for (const [key, flag] of [['ca', '--target-ca'], ['cert', '--target-cert'], ['key', '--target-key']] as const) {
    const file = files?.[`${key}File` as const];
    if (file === undefined) continue;
    try {
      out[key] = readFileSync(file);
    } catch (error) {
      return { diagnostic: { code: 'WEFT804', severity: 'error', path: flag, message: `${flag} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, hint: `${flag} takes a PEM file (the client certificate and key a MUTUAL gateway trusts, the CA of the gateway's server certificate)` } };
    }
  }
  return out;
}

/** drive → judge → report (JSON, JUnit, GitHub), the same for both modes. */
async function driveAndReport(options: VerifyOptions, plan: Plan, checks: PlannedCheck[], transport: Transport, signer: TokenSigner | undefined, where: Pick<VerifyReport, 'mode' | 'dist' | 'target'>, started: Date, t0: number): Promise<VerifyReport> {
  const out = options.out ?? process.stdout;
  const env = options.env_ ?? process.env;
  const progress = createProgress(checks, out, env);
  const runId = `w${options.seed.toString(36)}r${(runs++).toString(36)}`;
  let driven;
  try {
    driven = await drive(plan, checks, transport, runId, progress, signer);
  } finally {
    progress.stop();
  }
  judge(driven.results, driven.contexts, plan.familyAlpha);
  const failed = driven.results.filter((r) => r.status === 'failed').length;
  const skipped = driven.results.filter((r) => r.status === 'skipped').length;
  const report: VerifyReport = {
    schemaVersion: 1,
    mesh: plan.mesh,
    environment: plan.environment,
    ...where,
    seed: options.seed,
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    statistics: { familyAlpha: plan.familyAlpha, statisticalChecks: plan.statisticalTests, detectableDeviation: plan.detectableDeviation, power: plan.power },
    summary: { checks: driven.results.length, passed: driven.results.length - failed - skipped, failed, skipped, probes: driven.probes, notVerified: plan.notVerified.length },
    checks: driven.results,
    notVerified: plan.notVerified,
  };
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.junit) writeFileSync(options.junit, junitXml(report));
  if (env.GITHUB_ACTIONS === 'true') writeGithub(report, env, (s) => out.write(s));
  return report;
}

export { declarationOf };
