/**
 * A second outbound proxy of a calling service, for retry-on `connect-failure`: the caller's own
 * compiled config (as the local mesh rewrote it for loopback, so `--dist` mutations apply), run
 * by the same proxy bundle with the same workload certificate, where the callee's endpoints
 * include a loopback port nothing listens on. A connection there is refused (ECONNREFUSED,
 * Envoy's UF), which is the only way to make the caller's *own* upstream connection fail: an
 * echo that stops listening only makes the callee's sidecar answer 503, which is a response.
 * The mesh itself is never touched, so no other check sees the dead endpoint.
 *
 * `one`: a closed port is added to every subset of the callee, weighted as all its live endpoints
 * together (the retry must reach a live endpoint); `all`: the closed port is the only endpoint (retries run out: 503 UF + URX).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceRef } from '../../model/common';
import { ensureBundles } from '../../local/bundles';
import { Child } from '../../local/child';
import { freePorts } from '../../local/ports';
import { hashConfig } from '../../proxy/config/load';
import { RefusingCallerError } from '../errors';

export type Refusal = 'one' | 'all';

const READY_TIMEOUT_MS = 30_000;
/** Starts on freshly picked ports before a port conflict is the error. */
const PORT_PICKS = 3;

/**
 * The caller's config with only the outbound and admin listeners, on new ports, and the callee's
 * endpoints refusing. A gateway's config (`listeners.gateway`: a service only the ingress gateway
 * reaches) keeps instead one plain server with the hosts of its first non-redirecting server, on
 * the `outbound` port: the gateway's routes, clusters and identity, without its TLS termination.
 */
export function refusingConfig(config: Record<string, any>, callee: ServiceRef, refusal: Refusal, ports: { outbound: number; admin: number; closed: number }): Record<string, any> {
  const c = structuredClone(config);
  const gateway = (Array.isArray(config.listeners?.gateway) ? (config.listeners.gateway as { name: string; hosts: string[]; httpsRedirect?: boolean }[]) : []).find((g) => !g.httpsRedirect);
  c.listeners = gateway
    ? { gateway: [{ name: gateway.name, host: '127.0.0.1', port: ports.outbound, hosts: gateway.hosts }], admin: { host: '127.0.0.1', port: ports.admin } }
    : { outbound: { host: '127.0.0.1', port: ports.outbound }, admin: { host: '127.0.0.1', port: ports.admin } };
  delete c.tcpListeners;
  delete c.inboundTcpListeners;
  // Authorization, JWT and the mTLS mode guard inbound listeners, which this proxy has none of;
  // the workload certificate (security.mtls.files) stays: it is the caller's upstream identity.
  if (c.security && !gateway) {
    delete c.security.authorization;
    delete c.security.jwt;
    delete c.security.jwtRequired;
    if (c.security.mtls) c.security.mtls = { ...c.security.mtls, mode: 'PERMISSIVE' };
  }
  const closed = { address: '127.0.0.1', port: ports.closed };
  let found = false;
  for (const service of c.services ?? []) {
    if (service.name !== callee.name || (service.namespace ?? callee.namespace) !== callee.namespace) continue;
    found = true;
    // Outlier detection would eject the closed endpoint after a few refusals, and later probes
    // would then never meet it: this proxy checks retries, the breaker has checks of its own.
    delete service.outlierDetection;
    for (const subset of service.subsets ?? []) {
      delete subset.discovery;
      const live: { weight?: number }[] = subset.endpoints ?? [];
      // As likely as all live endpoints together: about half the first tries are refused, while a
      // retry (which avoids the previous host a few picks deep, like Envoy's previous_hosts) almost
      // surely reaches a live one.
      const weight = live.reduce((n, e) => n + (e.weight ?? 1), 0);
      subset.endpoints = refusal === 'all' || live.length === 0 ? [closed] : [{ ...closed, ...(weight > 1 ? { weight } : {}) }, ...live];
    }
  }
  if (!found) throw new RefusingCallerError(`the caller's config has no upstream service "${callee.name}.${callee.namespace}"`);
  return c;
}

export class RefusingCaller {
  private constructor(
    private readonly child: Child,
    private readonly dir: string,
    /** The outbound listener probes are sent to. */
    readonly port: number,
  ) {}

  /** Starts it from the caller instance's config file and waits until it serves that config. */
  static async start(callerConfigFile: string, callee: ServiceRef, refusal: Refusal): Promise<RefusingCaller> {
    // The ports are picked, released, then bound by the child (src/local/ports.ts): another
    // process may bind one in between, and the child exits with EADDRINUSE. Pick again, as the
    // local mesh does (src/local/mesh.ts, PORT_PICKS).
    for (let attempt = 1; ; attempt++) {
      try {
        return await RefusingCaller.startOnce(callerConfigFile, callee, refusal);
      } catch (error) {
        if (!(error instanceof RefusingCallerError && /EADDRINUSE/.test(error.message)) || attempt >= PORT_PICKS) throw error;
      }
    }
  }

  private static async startOnce(callerConfigFile: string, callee: ServiceRef, refusal: Refusal): Promise<RefusingCaller> {
    // `closed` is a port just released by the OS (src/local/ports.ts): nothing listens there
    // unless another process binds it in the meantime, which would show as served probes in the
    // `all` case (a failed check with the evidence), never as a silent pass of the `one` case.
    const [outbound, admin, closed] = await freePorts(3);
    const config = refusingConfig(JSON.parse(readFileSync(callerConfigFile, 'utf8')), callee, refusal, { outbound: outbound!, admin: admin!, closed: closed! });
    const dir = mkdtempSync(join(tmpdir(), 'weft-refusing-'));
    const file = join(dir, 'config.json');
    const text = `${JSON.stringify(config, null, 2)}\n`;
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
    const bundles = await ensureBundles();
    const child = new Child(`refusing caller for ${callee.name}.${callee.namespace} (${refusal})`, process.execPath, [bundles.proxy, '--config', file]);
    const caller = new RefusingCaller(child, dir, outbound!);
    try {
      await caller.waitServing(admin!, hashConfig(text));
    } catch (error) {
      await caller.stop();
      throw error;
    }
    return caller;
  }

  private async waitServing(admin: number, hash: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.child.running) throw new RefusingCallerError(`${this.child.label} exited: ${this.child.tail().slice(-500)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${admin}/config_dump`, { signal: AbortSignal.timeout(2000) });
        const dump = (await res.json()) as { hash?: string };
        if (dump.hash === hash) return;
        last = `serving ${dump.hash}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new RefusingCallerError(`${this.child.label} did not serve its config within ${READY_TIMEOUT_MS} ms (${last})`);
  }

  async stop(): Promise<void> {
    await this.child.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
