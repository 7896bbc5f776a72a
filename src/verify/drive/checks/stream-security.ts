/**
 * mTLS and authorization checks of gRPC and TCP services (../../plan/stream-security.ts):
 * gRPC calls of the echo service (../grpc-probe.ts) and raw TCP connections (../tcp-probe.ts),
 * straight at a receiving instance's inbound listener or through a declared caller's own proxy.
 * A gRPC call is served when the echo answered it (OK with its reply, or UNIMPLEMENTED for
 * another method with no flag of the proxy's own), denied when it ended with PERMISSION_DENIED;
 * a connection is served when the callee's echo named itself and echoed the bytes, refused when
 * it was closed before that.
 */
import type { ServiceRef } from '../../../model/common';
import type { AssertionResult } from '../../report';
import type { AuthzProbe, CheckSpec } from '../../plan/types';
import { GRPC_ECHO_REQUEST } from '../../plan/grpc';
import { assertion, type CheckContext } from '../context';
import type { GrpcObservation } from '../grpc-probe';
import type { TcpObservation } from '../tcp-probe';

type Mtls = Extract<CheckSpec, { type: 'mtls' }>;
type Authz = Extract<CheckSpec, { type: 'authorization' }>;

const OK = 0;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;

type Probe = { kind: 'grpc'; o: GrpcObservation } | { kind: 'tcp'; o: TcpObservation };

function describe(p: Probe): string {
  if (p.kind === 'grpc') return `grpc ${p.o.code}${p.o.reply ? ` ${p.o.reply.service} ${p.o.reply.version}` : ''}${p.o.flags.length ? ` ${p.o.flags.join(',')}` : ''}`;
  return p.o.identity ? `tcp ${p.o.identity.service} ${p.o.identity.version}${p.o.echoed ? '' : ' not echoed'}` : `closed unanswered (${p.o.error ?? 'none'})`;
}

function served(p: Probe, service: ServiceRef): boolean {
  if (p.kind === 'tcp') return p.o.echoed && p.o.identity?.service === service.name;
  if (p.o.code === OK) return p.o.reply?.service === service.name;
  return p.o.code === UNIMPLEMENTED && p.o.flags.length === 0;
}

/** Denied by authorization: PERMISSION_DENIED, or a connection closed before the echo named itself. */
function denied(p: Probe): boolean {
  return p.kind === 'tcp' ? p.o.identity === undefined : p.o.code === PERMISSION_DENIED;
}

/**
 * Refused by the transport (STRICT mTLS): a gRPC call that got no HTTP/2 answer at all —
 * UNAVAILABLE with no flag of the proxy's own (a PERMISSION_DENIED means the plaintext call was
 * accepted and then denied by authorization, which STRICT must not need). A TCP connection closes
 * without a byte either way: ./runStreamMtls reads the listener's own count of plaintext ones.
 */
function refusedByTransport(p: Probe): boolean {
  return p.kind === 'tcp' ? p.o.identity === undefined : p.o.code === UNAVAILABLE && p.o.flags.length === 0 && p.o.reply === undefined;
}

/** What the token goes on: the call's metadata carries only the token (grpc-js sets content-type itself). */
const TOKEN_CARRIER = { method: 'POST', path: '/', headers: {} };

const unavailable = (name: string, what: string): AssertionResult[] => [assertion(name, 'inconclusive', what, `${what} are not available in this mode`, { requests: 0 })];

/** One probe straight at the callee's inbound listener, as `identity` (undefined = plaintext). */
async function direct(ctx: CheckContext, spec: Mtls | Authz, identity: ServiceRef | undefined, path?: string, claims?: Record<string, unknown>): Promise<Probe | undefined> {
  const t = ctx.transport;
  if (spec.protocol === 'tcp') {
    if (!t.tcpDirect) return undefined;
    const o = await t.tcpDirect(spec.service, spec.inboundListener, ctx.rid(), identity);
    ctx.count();
    return { kind: 'tcp', o };
  }
  if (!t.grpcDirect) return undefined;
  const metadata = (await ctx.prepare(TOKEN_CARRIER, { claims })).headers;
  const o = await t.grpcDirect(spec.service, ctx.check.via.authority, { metadata }, ctx.rid(), identity, path);
  ctx.count();
  return { kind: 'grpc', o };
}

/** One probe through `caller`'s own outbound proxy (its routes and certificate). */
async function throughProxy(ctx: CheckContext, spec: Authz, caller: ServiceRef, path?: string, claims?: Record<string, unknown>): Promise<Probe | undefined> {
  const t = ctx.transport;
  const via = { ...ctx.check.via, caller };
  if (spec.protocol === 'tcp') {
    if (!t.tcpConnect) return undefined;
    const o = await t.tcpConnect(via, spec.listener, ctx.rid());
    ctx.count();
    return { kind: 'tcp', o };
  }
  if (!t.grpcCall) return undefined;
  const metadata = (await ctx.prepare(TOKEN_CARRIER, { claims })).headers;
  const o = await t.grpcCall(via, { metadata }, ctx.rid(), 0, path);
  ctx.count();
  return { kind: 'grpc', o };
}

const evidence = (p: Probe) => ({ requests: 1, counts: { [describe(p)]: 1 }, sampleRequestIds: [p.o.requestId] });

/**
 * A plaintext probe's verdict under STRICT. A TCP connection that mTLS refused and one accepted in
 * plaintext and then denied by authorization both close without a byte, so the inbound
 * listener's own count of plaintext connections (before and after) tells them apart where the
 * mode exposes it (a local mesh's admin port, as Envoy's listener stats would).
 */
async function plaintextRefused(ctx: CheckContext, spec: Mtls): Promise<{ probe?: Probe; refused: boolean; note: string }> {
  const counts = spec.protocol === 'tcp' ? () => ctx.transport.inboundConnections?.(spec.service, spec.inboundListener) : async () => undefined;
  const before = await counts();
  const probe = await direct(ctx, spec, undefined);
  if (!probe) return { refused: false, note: '' };
  if (!refusedByTransport(probe)) return { probe, refused: false, note: '' };
  if (!before) return { probe, refused: true, note: '' };
  const after = await counts();
  const accepted = after !== undefined && after.plaintext > before.plaintext;
  return { probe, refused: !accepted, note: accepted ? '; the listener accepted it as plaintext (weft_proxy_inbound_connections_total{transport="plaintext"} +1): authorization closed it, not mTLS' : '; the listener counted it rejected' };
}

export async function runStreamMtls(ctx: CheckContext, spec: Mtls): Promise<AssertionResult[]> {
  const what = spec.protocol === 'tcp' ? 'plaintext TCP connection' : 'plaintext gRPC call';
  const plain = await plaintextRefused(ctx, spec);
  if (!plain.probe) return unavailable(what, 'direct probes of the inbound listener');
  const ok = spec.mode === 'strict' ? plain.refused : served(plain.probe, spec.service);
  const out = [assertion(what, ok, spec.mode === 'strict' ? 'refused by the transport (closed before any answer)' : 'served', `${describe(plain.probe)}${plain.note}`, evidence(plain.probe))];
  if (spec.control && spec.mode !== 'disable') {
    const tls = await direct(ctx, spec, spec.control);
    if (tls) out.push(assertion(`mTLS as ${spec.control.name}`, served(tls, spec.service), 'served', describe(tls), evidence(tls)));
  }
  return out;
}

async function probeCell(ctx: CheckContext, spec: Authz, cell: AuthzProbe): Promise<Probe | undefined> {
  const path = cell.request.path === GRPC_ECHO_REQUEST.path || spec.protocol === 'tcp' ? undefined : cell.request.path;
  const claims = spec.protocol === 'tcp' ? undefined : cell.claims;
  return cell.throughProxy && cell.caller ? throughProxy(ctx, spec, cell.caller, path, claims) : direct(ctx, spec, cell.caller, path, claims);
}

/** One assertion per cell, as for HTTP (./security.ts): denied = PERMISSION_DENIED, or a connection closed unanswered. */
export async function runStreamAuthorization(ctx: CheckContext, spec: Authz): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  for (const cell of spec.cells) {
    const p = await probeCell(ctx, spec, cell);
    if (!p) return unavailable(cell.name, spec.protocol === 'tcp' ? 'TCP connections' : 'gRPC calls');
    const route = cell.throughProxy ? `through ${cell.caller!.name}'s proxy` : cell.caller ? 'with its certificate' : 'plaintext';
    const expected = `${cell.allowed ? 'served' : spec.protocol === 'tcp' ? 'closed unanswered' : 'PERMISSION_DENIED'} ${route} (${cell.because})`;
    out.push(assertion(cell.name, cell.allowed ? served(p, spec.service) : denied(p), expected, describe(p), evidence(p)));
  }
  return out;
}
