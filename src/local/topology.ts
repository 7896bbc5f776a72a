/**
 * What a compiled environment runs: one workload per Weft proxy config in
 * `dist/<env>/weft/<namespace>/<workload>.json`, with the replica count of its Deployment in
 * `dist/<env>/kubernetes/<namespace>/deployment-<workload>.yaml` (the HPA's minReplicas when
 * the Deployment leaves replicas to it). A gateway workload (`listeners.gateway`, no inbound
 * listener) is read with its servers, and its service account from its Deployment in the weft
 * target's folder. Everything is read from dist/, never from the model, so that `--dist` runs
 * exactly what was compiled (or hand-edited).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { NoConfigsError } from './errors';

export interface Workload {
  namespace: string;
  service: string;
  version: string;
  /** `<service>-<version>`: also the per-version Service the callers' endpoints name. */
  name: string;
  replicas: number;
  /** The pods' service account (its SPIFFE identity), from the Deployment. */
  serviceAccount: string;
  /**
   * An ingress gateway (no application): its servers in config order, each on a loopback port of
   * its own locally (the first takes the inbound port).
   */
  gateway?: boolean;
  gatewayServers?: GatewayServer[];
  /** The service speaks gRPC (a port of its Kubernetes Service has appProtocol grpc): its echo serves the gRPC echo. */
  grpc?: boolean;
  /** The config as compiled (parsed JSON). */
  config: Record<string, any>;
  configPath: string;
}

/** One server of a gateway workload, as compiled (`listeners.gateway[i]`). */
export interface GatewayServer {
  name: string;
  hosts: string[];
  /** Terminates TLS: SIMPLE (server certificate) or MUTUAL (clients present one too). */
  tls?: 'SIMPLE' | 'MUTUAL';
  httpsRedirect: boolean;
}

export function readTopology(distDir: string, env: string): Workload[] {
  const weftDir = join(distDir, env, 'weft');
  if (!existsSync(weftDir)) throw new NoConfigsError(distDir, env);
  const workloads: Workload[] = [];
  for (const namespace of readdirSync(weftDir).sort()) {
    const nsDir = join(weftDir, namespace);
    for (const file of readdirSync(nsDir).sort()) {
      if (!file.endsWith('.json')) continue;
      const configPath = join(nsDir, file);
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, any>;
      // A gateway workload (the weft target's ingress gateway) has no application: the proxy
      // alone, every server of it (TLS ones with certificates of the local CA, ./mesh.ts).
      const servers = Array.isArray(config.listeners?.gateway) && !config.listeners.inbound ? gatewayServersOf(config.listeners.gateway) : [];
      const w = config.workload ?? {};
      const name = String(w.workloadName ?? `${w.service}-${w.version}`);
      workloads.push({
        namespace,
        service: String(w.service),
        version: String(w.version ?? 'unknown'),
        name,
        // One gateway instance: locally no Service spreads clients over its replicas, so one URL per server is what a client can use.
        replicas: servers.length ? 1 : replicasOf(distDir, env, namespace, name),
        // A gateway's Deployment is in the weft target's folder (the mesh owns the gateway), a service's in kubernetes/.
        serviceAccount: serviceAccountOf(distDir, env, servers.length ? 'weft' : 'kubernetes', namespace, name) ?? String(w.service),
        config,
        configPath,
        ...(servers.length ? { gateway: true, gatewayServers: servers } : {}),
        ...(speaksGrpc(distDir, env, namespace, String(w.service)) ? { grpc: true } : {}),
      });
    }
  }
  if (workloads.length === 0) throw new NoConfigsError(distDir, env);
  return workloads;
}

function replicasOf(distDir: string, env: string, namespace: string, workload: string): number {
  const dir = join(distDir, env, 'kubernetes', namespace);
  const deployment = readYaml(join(dir, `deployment-${workload}.yaml`));
  const declared = deployment?.spec?.replicas;
  if (typeof declared === 'number') return declared;
  const hpa = readYaml(join(dir, `horizontalpodautoscaler-${workload}.yaml`));
  return typeof hpa?.spec?.minReplicas === 'number' ? hpa.spec.minReplicas : 1;
}

function serviceAccountOf(distDir: string, env: string, target: 'kubernetes' | 'weft', namespace: string, workload: string): string | undefined {
  const sa = readYaml(join(distDir, env, target, namespace, `deployment-${workload}.yaml`))?.spec?.template?.spec?.serviceAccountName;
  return typeof sa === 'string' ? sa : undefined;
}

function gatewayServersOf(servers: { name?: unknown; hosts?: unknown; tls?: { mode?: unknown }; httpsRedirect?: unknown }[]): GatewayServer[] {
  return servers.map((g) => ({
    name: String(g.name),
    hosts: Array.isArray(g.hosts) ? g.hosts.map(String) : [],
    ...(g.tls ? { tls: g.tls.mode === 'MUTUAL' ? ('MUTUAL' as const) : ('SIMPLE' as const) } : {}),
    httpsRedirect: g.httpsRedirect === true,
  }));
}

function speaksGrpc(distDir: string, env: string, namespace: string, service: string): boolean {
  const ports = readYaml(join(distDir, env, 'kubernetes', namespace, `service-${service}.yaml`))?.spec?.ports;
  return Array.isArray(ports) && ports.some((p: { appProtocol?: string }) => p.appProtocol === 'grpc');
}

function readYaml(path: string): any {
  return existsSync(path) ? parse(readFileSync(path, 'utf8')) : undefined;
}
