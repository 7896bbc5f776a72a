/**
 * What a compiled environment runs: one workload per Weft proxy config in
 * `dist/<env>/weft/<namespace>/<workload>.json`, with the replica count of its Deployment in
 * `dist/<env>/kubernetes/<namespace>/deployment-<workload>.yaml` (the HPA's minReplicas when
 * the Deployment leaves replicas to it). Everything is read from dist/, never from the model, so
 * that `--dist` runs exactly what was compiled (or hand-edited).
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
  /** An ingress gateway (no application; its one plain listener takes the inbound port locally). */
  gateway?: boolean;
  /** The service speaks gRPC (a port of its Kubernetes Service has appProtocol grpc): its echo serves the gRPC echo. */
  grpc?: boolean;
  /** The config as compiled (parsed JSON). */
  config: Record<string, any>;
  configPath: string;
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
      // A gateway workload (the weft target's ingress gateway) has no application. One that
      // terminates TLS needs the cluster's TLS Secret and is not run; one plain-http listener is
      // (the verification overlay's weft-verify gateway: cluster mode tested on loopback).
      const gateways = Array.isArray(config.listeners?.gateway) && !config.listeners.inbound ? (config.listeners.gateway as { tls?: unknown }[]) : [];
      if (gateways.length > 0 && (gateways.length > 1 || gateways[0]!.tls !== undefined)) continue;
      const w = config.workload ?? {};
      const name = String(w.workloadName ?? `${w.service}-${w.version}`);
      workloads.push({
        namespace,
        service: String(w.service),
        version: String(w.version ?? 'unknown'),
        name,
        replicas: replicasOf(distDir, env, namespace, name),
        serviceAccount: serviceAccountOf(distDir, env, namespace, name) ?? String(w.service),
        config,
        configPath,
        ...(gateways.length ? { gateway: true } : {}),
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

function serviceAccountOf(distDir: string, env: string, namespace: string, workload: string): string | undefined {
  const sa = readYaml(join(distDir, env, 'kubernetes', namespace, `deployment-${workload}.yaml`))?.spec?.template?.spec?.serviceAccountName;
  return typeof sa === 'string' ? sa : undefined;
}

function speaksGrpc(distDir: string, env: string, namespace: string, service: string): boolean {
  const ports = readYaml(join(distDir, env, 'kubernetes', namespace, `service-${service}.yaml`))?.spec?.ports;
  return Array.isArray(ports) && ports.some((p: { appProtocol?: string }) => p.appProtocol === 'grpc');
}

function readYaml(path: string): any {
  return existsSync(path) ? parse(readFileSync(path, 'utf8')) : undefined;
}
