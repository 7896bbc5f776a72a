/**
 * Retry-on `connect-failure`, checked with connections that are really refused: probes go
 * through a second outbound proxy of the caller (../refusing-caller.ts) whose endpoints of the
 * callee include a closed loopback port.
 * - one endpoint refuses (about half the first tries): every probe must be served by an echo,
 *   which saw it once — the refused try never reached an application, the retry did;
 * - every endpoint refuses: the caller gets 503 with flag UF (upstream connection failure) and
 *   URX (the declared retries ran out), as Envoy reports it; a gRPC call gets UNAVAILABLE, the
 *   status the 503 maps to, with the same flags in its metadata.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, countBy, outcomeKey, rateLimitBackoff, RATE_LIMITED_RESENDS, type CheckContext } from '../context';
import type { Observation } from '../observation';

type ConnectFailure = Extract<CheckSpec, { type: 'connect-failure' }>;

/** One probe's outcome, whichever protocol carried it. */
interface Probe {
  requestId: string;
  served: boolean;
  /** The refused connection's final answer: 503 (HTTP) or UNAVAILABLE (gRPC, the 503's mapping). */
  unavailable: boolean;
  flags: string[];
  key: string;
}

const UNAVAILABLE = 14;

export async function runConnectFailure(ctx: CheckContext, spec: ConnectFailure): Promise<AssertionResult[]> {
  const t = ctx.transport;
  if (spec.grpc ? !t.grpcRefusing : !t.sendRefusing) {
    return [assertion('retry-on connect-failure', 'inconclusive', 'a caller proxy with a refusing endpoint', 'not available in this mode', { requests: 0 })];
  }
  // Statistical checks of the same route run alongside and draw on its token buckets: a probe
  // rejected by a rate limit (429 or RESOURCE_EXHAUSTED with flag RL) is sent again.
  const send = async (refusal: 'one' | 'all'): Promise<Probe> => {
    for (let tries = 0; ; tries++) {
      const probe = await sendOnce(refusal);
      if (tries >= RATE_LIMITED_RESENDS || !probe.flags.includes('RL')) return probe;
      await rateLimitBackoff(tries);
    }
  };
  const sendOnce = async (refusal: 'one' | 'all'): Promise<Probe> => {
    const prepared = await ctx.prepare(spec.request);
    let probe: Probe;
    if (spec.grpc) {
      const o = await t.grpcRefusing!(ctx.check.via, spec.service, refusal, { metadata: prepared.headers }, ctx.rid());
      probe = { requestId: o.requestId, served: o.code === 0 && o.reply?.service === spec.service.name && o.reply.attempt === 1, unavailable: o.code === UNAVAILABLE, flags: o.flags, key: `grpc ${o.code}${o.reply ? ` ${o.reply.service} ${o.reply.version}` : ''}${o.flags.length ? ` ${o.flags.join(',')}` : ''}` };
    } else {
      const o: Observation = await t.sendRefusing!(ctx.check.via, spec.service, refusal, prepared, ctx.rid());
      probe = { requestId: o.requestId, served: o.status === 200 && o.echo?.service === spec.service.name && o.echo.attempt === 1, unavailable: o.status === 503, flags: o.flags, key: outcomeKey(o) };
    }
    ctx.count();
    return probe;
  };
  const one: Probe[] = [];
  for (let i = 0; i < spec.probes; i++) one.push(await send('one'));
  const bad = one.filter((o) => !o.served);
  const all: Probe[] = [];
  for (let i = 0; i < 2; i++) all.push(await send('all'));
  const unexhausted = all.filter((o) => !o.unavailable || !o.flags.includes('UF') || !o.flags.includes('URX'));
  const key = (o: Probe) => o.key;
  const final = spec.grpc ? 'UNAVAILABLE' : '503';
  return [
    assertion('retry-on connect-failure: a refused connection is retried on a live endpoint', bad.length === 0, `all ${spec.probes} served by ${spec.service.name}, each arriving once`, `${one.length - bad.length} of ${one.length} served${bad.length ? `; ${bad.map(key).slice(0, 3).join(', ')}` : ''}`, {
      requests: one.length,
      counts: countBy(one, key),
      sampleRequestIds: [...bad, ...one].slice(0, 5).map((o) => o.requestId),
    }),
    assertion(`retry-on connect-failure: ${spec.attempts} retries, then ${final} UF (URX)`, unexhausted.length === 0, `${final} with flags UF and URX`, all.map(key).join(', '), {
      requests: all.length,
      counts: countBy(all, key),
      sampleRequestIds: [...unexhausted, ...all].slice(0, 5).map((o) => o.requestId),
    }),
  ];
}
