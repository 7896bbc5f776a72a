/**
 * mTLS and the authorization matrix of a service without an HTTP port: its probes are gRPC
 * calls of the echo service (`weft.echo.v1.Echo/Call`) or raw TCP connections answered by the
 * echo's TCP mode, instead of HTTP/1.1 requests (./derive.ts plans those).
 * - mTLS: a plaintext call / connection straight at the inbound listener is refused under STRICT
 *   (the connection is closed before the application sees a byte) and served otherwise; one with
 *   a declared caller's certificate is served.
 * - authorization: every identity × (a neutral call and each rule's operation), DENY before
 *   ALLOW, deny-by-default except declared callers and allow rules (./authz.ts). An identity that
 *   declares calls to the service is probed through its own outbound proxy (its routes, its
 *   certificate); one that does not has no route to the service there, so its cells go straight to
 *   the inbound listener with its certificate. A denied gRPC call ends with PERMISSION_DENIED
 *   (the proxy's 403, as Envoy's RBAC filter answers gRPC); a denied connection is closed before
 *   the echo names itself (Envoy's network RBAC filter). A TCP connection has no method, path or
 *   token: its cells are the identities, judged by the rules' L4 reading.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/rbac_filter
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 */
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { CheckKind } from '../report';
import { authorize, declaredCallers } from './authz';
import { declarationOf } from './declaration';
import { GRPC_ECHO_REQUEST } from './grpc';
import { sameRef } from './route-eval';
import type { AuthzProbe, PlannedCheck, StreamProtocol, Via } from './types';

type Skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => void;

interface Operation {
  method: string;
  path: string;
  claims?: Record<string, string[]>;
}

const ref = (s: { name: string; namespace: string }) => ({ name: s.name, namespace: s.namespace });

/** Identities to probe with: one service per service account, and no identity when plaintext is accepted. */
function identitiesOf(model: MeshModel, mode: string): (Service | undefined)[] {
  const distinct = model.services.filter((s, i, all) => all.findIndex((o) => o.namespace === s.namespace && o.serviceAccount === s.serviceAccount) === i);
  return [...distinct, ...(mode === 'strict' ? [] : [undefined])];
}

const callsDirectly = (caller: Service | undefined, callee: Service) => caller !== undefined && caller.calls.some((c) => c.target.kind === 'service' && sameRef(c.target.service, callee));

/** The gRPC operation of a rule: gRPC calls are POSTs to `/<package.Service>/<Method>`. */
function grpcOperation(rule: Service['security']['authorization'][number]): Operation | string {
  const method = rule.to.methods?.includes('POST') ? 'POST' : rule.to.methods?.[0] ?? 'POST';
  if (method !== 'POST') return `rule "${rule.name}" matches ${rule.to.methods!.join(', ')} only; every gRPC call is a POST, so no call reaches it`;
  const p = rule.to.paths?.[0];
  const path = p === undefined || p === '*' ? GRPC_ECHO_REQUEST.path : p.endsWith('*') ? `${p.slice(0, -1)}Weft` : p.startsWith('*') ? `/weft.echo.v1.Echo${p.slice(1)}` : p;
  return { method, path, ...(rule.from.jwtClaims ? { claims: rule.from.jwtClaims } : {}) };
}

export function planStreamSecurity(model: MeshModel, service: Service, via: Omit<Via, 'caller'>, checks: PlannedCheck[], skip: Skip): void {
  const grpcPort = service.ports.find((p) => p.protocol === 'grpc');
  const tcpPort = service.ports.find((p) => p.protocol === 'tcp');
  if (!grpcPort && !tcpPort) return;
  const lane = `${service.namespace}/${service.name}`;
  const callers = declaredCallers(model, service);
  const mode = service.security.mtls ?? model.security.mtls;
  const node = service.security.mtls !== undefined ? service : { path: model.name, location: model.location ?? service.location };
  const protocol: StreamProtocol = grpcPort
    ? { protocol: 'grpc' }
    : { protocol: 'tcp', inboundListener: `${service.name}-${tcpPort!.port}`, listener: `${service.namespace}/${service.name}:${tcpPort!.port}` };
  const what = grpcPort ? 'gRPC call' : 'TCP connection';
  const fullVia: Via = { caller: ref(callers[0] ?? service), ...via };
  const control = callers[0] && ref(callers[0]);
  checks.push({
    id: `mtls:${service.path}`,
    kind: 'mtls',
    title: `mTLS ${mode} of ${service.name}.${service.namespace} (${grpcPort ? 'gRPC' : 'TCP'})`,
    declaration: declarationOf(node),
    via: fullVia,
    probes: control && mode !== 'disable' ? 2 : 1,
    expectation: `${mode === 'strict' ? `a plaintext ${what} to the inbound listener is refused` : `a plaintext ${what} is served`}${control && mode !== 'disable' ? `; one with ${control.name}'s certificate is served` : ''}`,
    lane,
    phase: 'deterministic',
    spec: { type: 'mtls', service: ref(service), mode, request: GRPC_ECHO_REQUEST, ...(control ? { control } : {}), ...protocol },
  });

  const rules = service.security.authorization;
  if (model.security.authorization !== 'deny-by-default' && rules.length === 0) return;
  const ops: Operation[] = [];
  if (grpcPort) {
    ops.push({ method: GRPC_ECHO_REQUEST.method, path: GRPC_ECHO_REQUEST.path });
    for (const r of rules) {
      const op = grpcOperation(r);
      if (typeof op === 'string') skip('authorization', r, op);
      else if (!ops.some((o) => o.method === op.method && o.path === op.path && JSON.stringify(o.claims) === JSON.stringify(op.claims))) ops.push(op);
    }
  } else {
    ops.push({ method: 'CONNECT', path: '' });
    for (const r of rules) {
      if (r.action === 'allow' && (r.to.methods || r.to.paths || r.from.jwtClaims || r.from.authenticated)) skip('authorization', r, `allow rule "${r.name}" names HTTP fields (methods, paths, JWT); on TCP service "${service.name}" it admits no connection (Istio's reading), which the matrix's cells check`);
    }
  }
  const cells: AuthzProbe[] = [];
  for (const caller of identitiesOf(model, mode)) {
    for (const op of ops) {
      const claims = grpcPort ? (op.claims ?? (service.security.jwt.length ? {} : undefined)) : undefined;
      const d = authorize(model, service, { caller, method: op.method, path: op.path, claims, ...(tcpPort && !grpcPort ? { port: tcpPort.targetPort } : {}) });
      const name = grpcPort ? `${caller?.name ?? '(no identity)'} ${op.path}${op.claims ? ` ${JSON.stringify(op.claims)}` : ''}` : `${caller?.name ?? '(no identity)'} connects`;
      cells.push({
        name,
        caller: caller && ref(caller),
        ...(callsDirectly(caller, service) ? { throughProxy: true } : {}),
        request: { method: op.method, path: op.path, headers: {} },
        ...(op.claims ? { claims: op.claims } : {}),
        allowed: d.allowed,
        because: d.because,
      });
    }
  }
  const denied = grpcPort ? 'PERMISSION_DENIED' : 'closed unanswered';
  checks.push({
    id: `authorization:${service.path}`,
    kind: 'authorization',
    title: `authorization matrix of ${service.name}.${service.namespace} (${grpcPort ? 'gRPC' : 'TCP'})`,
    declaration: declarationOf(rules[0] ?? node),
    via: fullVia,
    probes: cells.length,
    expectation: `${cells.filter((c) => c.allowed).length} allowed / ${cells.filter((c) => !c.allowed).length} denied (${denied}) of ${cells.length} caller × ${grpcPort ? 'call' : 'connection'} cells; declared callers through their own proxy`,
    lane,
    phase: 'deterministic',
    spec: { type: 'authorization', service: ref(service), cells, ...protocol },
  });
}
