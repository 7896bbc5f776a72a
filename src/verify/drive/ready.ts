/**
 * Readiness on a cluster: before sampling, every (caller, callee) pair the plan probes must
 * answer through the gateway and the caller's probe client with an echo that carries the
 * overlay's tag (WEFT_ECHO_TAG, src/verify/overlay/model.ts) — the cluster serves the overlay
 * that mesh.config.ts gives, not a stale one, and every route the probes take is in place.
 * Bounded; polls each pair about once a second.
 */
import { TargetNotReadyError } from '../errors';
import type { PlannedCheck, ProbeRequest } from '../plan/types';
import { CheckContext, type TokenSigner } from './context';
import type { Transport } from './transport';

const READY_PROBE: ProbeRequest = { method: 'GET', path: '/weft-verify-readiness', headers: {} };

/** A request the plan expects an echo to answer (a forward route's positive probe), else a neutral path. */
function readinessRequest(checks: readonly PlannedCheck[]): ProbeRequest {
  for (const c of checks) {
    if (c.spec.type !== 'routing') continue;
    const p = c.spec.probes.find((x) => x.expected.kind === 'forward');
    if (p) return p.request;
  }
  return READY_PROBE;
}

const isGrpc = (c: PlannedCheck): boolean => c.spec.type === 'grpc-route' || c.spec.type === 'grpc-retries' || c.spec.type === 'grpc-timeout' || (c.spec.type === 'split' && c.spec.protocol === 'grpc') || (c.spec.type === 'connect-failure' && c.spec.grpc === true);

const isTcp = (c: PlannedCheck): boolean => c.spec.type === 'tcp-route' || c.spec.type === 'tcp-limit' || (c.spec.type === 'split' && c.spec.protocol === 'tcp');
const tcpListenerOf = (c: PlannedCheck): string => (c.spec.type === 'tcp-route' || c.spec.type === 'tcp-limit' ? c.spec.listener : c.spec.type === 'split' ? (c.spec.listener ?? '') : '');

export async function waitForOverlay(transport: Transport, checks: readonly PlannedCheck[], tag: string, target: string, timeoutMs: number, signer?: TokenSigner): Promise<void> {
  const byPair = new Map<string, PlannedCheck[]>();
  for (const c of checks) {
    // Security checks send as other identities (and some are denied on purpose): the pairs that
    // route and resilience checks use show that the overlay is served.
    if (c.spec.type === 'mtls' || c.spec.type === 'authorization' || c.spec.type === 'jwt') continue;
    // A gateway probe of an undeclared Host (404, no echo) or without the MUTUAL gateway's client
    // certificate (refused) never meets an echo: the gateway's other checks show readiness.
    if (c.spec.type === 'gateway-mtls' || c.via.certificateHost !== undefined) continue;
    const key = `${c.via.caller.namespace}/${c.via.caller.name} → ${c.via.authority}`;
    byPair.set(key, [...(byPair.get(key) ?? []), c]);
  }
  // The pair's first check lends its via (token, rate cap) to the readiness probes.
  const pairs = new Map([...byPair].map(([key, list], i) => [key, { ctx: new CheckContext(list[0]!, transport, `weft-ready-${i}`, () => {}, signer), request: readinessRequest(list) }]));
  const pending = new Map([...pairs].map(([k]) => [k, 'no answer yet']));
  // A pair whose checks are all gRPC is asked with a gRPC call of the echo (through the probe
  // client's gRPC forward endpoint): an HTTP/1.1 request to a gRPC port gets no echo answer.
  const grpcOnly = new Set([...byPair].filter(([, list]) => list.every(isGrpc)).map(([k]) => k));
  // A TCP pair is asked with a connection: the echo's TCP mode names itself, with the tag, first.
  const tcpListener = new Map([...byPair].flatMap(([k, list]) => (list.every(isTcp) ? [[k, tcpListenerOf(list[0]!)] as const] : [])));
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    await Promise.all(
      [...pending.keys()].map(async (key) => {
        const { ctx, request } = pairs.get(key)!;
        const listener = tcpListener.get(key);
        if (listener !== undefined && transport.tcpConnect) {
          const t = await transport.tcpConnect(ctx.check.via, listener, ctx.rid());
          if (t.identity?.tag === tag) pending.delete(key);
          else pending.set(key, `${key}: ${t.identity ? `tag ${t.identity.tag ?? '(none)'}` : `connection without an echo identity line (${t.error ?? 'none'})`}`);
          return;
        }
        if (grpcOnly.has(key) && transport.grpcCall) {
          const metadata = (await ctx.prepare({ method: 'POST', path: '/', headers: {} })).headers;
          const g = await transport.grpcCall(ctx.check.via, { metadata }, ctx.rid());
          if (g.reply?.tag === tag) pending.delete(key);
          else pending.set(key, `${key}: ${g.reply ? `tag ${g.reply.tag ?? '(none)'}` : `gRPC status ${g.code} without an echo reply (${g.details})`}`);
          return;
        }
        const o = await ctx.send(request, { resendFaults: true });
        if (o.echo?.tag === tag) pending.delete(key);
        else pending.set(key, `${key}: ${o.error ? `no answer (${o.error})` : o.echo ? `tag ${o.echo.tag ?? '(none)'}` : `status ${o.status} without an echo answer`}`);
      }),
    );
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new TargetNotReadyError(target, tag, timeoutMs, [...pending.values()].slice(0, 5));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
