/**
 * A compiled proxy config, made to run on loopback: the only changes are addresses, ports, the
 * instance name, the security material (certificates from the throwaway CA — workload
 * identities, and each TLS gateway server's certificate for its declared hosts — the local JWKS in
 * place of the declared one, the local mesh's switches file in place of the mounted ConfigMap), and three operational settings that do not change any behaviour under test
 * (access log off — nobody reads it here; a short reload poll, so a hot-reloaded dist/ is served
 * within ~0.25 s; a short drain, so stopping is quick). Endpoints name per-version Services
 * (`<workload>.<namespace>.svc.<domain>`, what kube-proxy would spread over the version's pods);
 * locally each becomes one endpoint per replica's inbound listener, which is what a proxy with
 * endpoint discovery would see.
 */
import type { CertificateFiles } from './ca';

export interface InstancePorts {
  echo: number;
  inbound: number;
  outbound: number;
  admin: number;
  /** One per TCP listener of the config: inbound ones, then outbound ones, in order. */
  tcp?: number[];
  /** The echo's raw TCP port: the application behind every inbound TCP listener. */
  echoTcp?: number;
  /** A gateway's servers, one loopback port each in config order (the first is `inbound`). */
  gateway?: number[];
}

/** `namespace/workload` → inbound ports of its replicas; `namespace/workload:<port>` → its replicas' inbound TCP listener on that declared port. */
export type EndpointMap = ReadonlyMap<string, readonly number[]>;

export function endpointKey(address: string): string | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.|$)/.exec(address);
  return m ? `${m[2]}/${m[1]}` : undefined;
}

/** The local overlay's files: this instance's certificate files, the local JWKS, the mesh's switches file. */
export interface LocalSecurity {
  certificates?: { certFile: string; keyFile: string; caFile: string };
  jwks?: string;
  /** The one switches file of the local mesh (./switches.ts), which every proxy watches in place of /etc/weft-switches. */
  switchesFile?: string;
  /** A gateway's server certificate for its hosts from the local CA, in place of the mounted TLS Secret (caFile: what MUTUAL verifies clients against). */
  gatewayTls?: CertificateFiles;
}

export function rewriteForLoopback(config: Record<string, any>, instance: string, ports: InstancePorts, endpoints: EndpointMap, security: LocalSecurity = {}): Record<string, any> {
  const c = structuredClone(config);
  delete c.$schema;
  c.workload = { ...c.workload, instance };
  const l = c.listeners ?? {};
  // The application's protocol stays as compiled (http2 for a gRPC first port: the echo relays h2c to its gRPC echo).
  if (l.inbound) l.inbound = { ...l.inbound, host: '127.0.0.1', port: ports.inbound, app: { ...l.inbound.app, host: '127.0.0.1', port: ports.echo } };
  // Further inbound listeners (a service's second, third … HTTP/gRPC port) on a free loopback
  // port each, in front of the echo workload, which speaks HTTP/1.1 on one port only. Nothing
  // probes them locally yet: callers' entries for those ports reach the first listener.
  if (Array.isArray(l.inboundPorts)) {
    l.inboundPorts = l.inboundPorts.map((p: Record<string, unknown>) => ({ ...p, host: '127.0.0.1', port: 0, app: { host: '127.0.0.1', port: ports.echo } }));
  }
  // A gateway has no inbound listener: each server gets a loopback port of its own (the first
  // takes the inbound one), and a TLS server the local CA's certificate for its hosts.
  if (Array.isArray(l.gateway)) {
    l.gateway = l.gateway.map((g: Record<string, any>, i: number) => {
      const server: Record<string, any> = { ...g, host: '127.0.0.1', port: ports.gateway?.[i] ?? ports.inbound };
      if (g.tls && security.gatewayTls) {
        const { caFile, ...own } = security.gatewayTls;
        server.tls = { ...g.tls, files: { ...g.tls.files, ...own, ...(g.tls.files?.caFile !== undefined || g.tls.mode === 'MUTUAL' ? { caFile } : {}) } };
      }
      return server;
    });
  }
  l.outbound = { host: '127.0.0.1', port: ports.outbound };
  l.admin = { host: '127.0.0.1', port: ports.admin };
  c.listeners = l;
  // TCP listeners on their own loopback ports, inbound ones first (the declared ports would
  // collide between replicas). The application is not told; the verifier finds them by listener name.
  let t = 0;
  for (const key of ['inboundTcpListeners', 'tcpListeners']) {
    if (Array.isArray(c[key])) c[key] = c[key].map((l: Record<string, unknown>) => ({ ...l, host: '127.0.0.1', port: ports.tcp?.[t++] ?? l.port }));
  }
  // The application behind inbound TCP listeners is the echo's raw TCP mode.
  if (Array.isArray(c.inboundTcpListeners) && ports.echoTcp !== undefined) c.inboundTcpListeners = c.inboundTcpListeners.map((l: Record<string, unknown>) => ({ ...l, app: { host: '127.0.0.1', port: ports.echoTcp } }));
  for (const service of c.services ?? []) {
    for (const subset of service.subsets ?? []) {
      // Cluster DNS (headless per-version Services) does not resolve on a laptop: the loopback replicas below are the endpoints.
      delete subset.discovery;
      subset.endpoints = (subset.endpoints ?? []).flatMap((e: { address: string; port: number; weight?: number }) => {
        const key = endpointKey(e.address);
        const replicas = key ? (endpoints.get(`${key}:${e.port}`) ?? endpoints.get(key)) : undefined;
        if (!replicas) return [e];
        // A per-version endpoint weighs its replica count; each replica then weighs one share.
        const w = e.weight ?? 1;
        const each = w % replicas.length === 0 ? w / replicas.length : w;
        return replicas.map((port) => ({ address: '127.0.0.1', port, ...(each !== 1 ? { weight: each } : {}) }));
      });
    }
  }
  const sec = c.security;
  if (sec?.mtls && security.certificates) sec.mtls = { ...sec.mtls, files: { ...sec.mtls.files, ...security.certificates } };
  // The declared JWKS is replaced by the local issuer's key (local overlay only), so probes can carry valid and invalid tokens.
  if (Array.isArray(sec?.jwt) && security.jwks) {
    sec.jwt = sec.jwt.map((rule: Record<string, unknown>) => {
      const { jwksUri: _declared, ...rest } = rule;
      return { ...rest, jwks: security.jwks };
    });
  }
  if (c.switches && security.switchesFile) c.switches = { ...c.switches, file: security.switchesFile };
  c.observability = { ...c.observability, accessLog: false };
  c.reload = { pollIntervalMs: 250 };
  c.limits = { ...c.limits, drainTimeoutMs: 1000 };
  return c;
}
