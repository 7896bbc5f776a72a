/**
 * TCP checks (../../plan/tcp.ts): raw connections through the caller's outbound TCP listener
 * (../tcp-probe.ts). A connection passes when the echo's TCP mode answered it, from a version
 * the route names, and the bytes sent came back.
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, countBy, type CheckContext } from '../context';
import type { HeldConnection, TcpObservation } from '../tcp-probe';

type TcpRoute = Extract<CheckSpec, { type: 'tcp-route' }>;
type Split = Extract<CheckSpec, { type: 'split' }>;
type TcpLimit = Extract<CheckSpec, { type: 'tcp-limit' }>;

function key(o: TcpObservation): string {
  return o.identity ? `tcp ${o.identity.service} ${o.identity.version}${o.echoed ? '' : ` not echoed${o.error ? ` (${o.error})` : ''}`}` : `no answer (${o.error ?? 'none'})`;
}

async function connections(ctx: CheckContext, listener: string, count: number, concurrency: number): Promise<TcpObservation[] | undefined> {
  const connect = ctx.transport.tcpConnect;
  if (!connect) return undefined;
  const out = new Array<TcpObservation>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await connect.call(ctx.transport, ctx.check.via, listener, ctx.rid());
      ctx.count();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ctx.check.concurrency ?? concurrency, count) }, worker));
  return out;
}

const unavailable = (name: string): AssertionResult[] => [assertion(name, 'inconclusive', 'TCP probes', 'TCP connections through a probe client are not available in this mode', { requests: 0 })];

export async function runTcpRoute(ctx: CheckContext, spec: TcpRoute): Promise<AssertionResult[]> {
  const name = `TCP connections reach ${spec.route}`;
  const obs = await connections(ctx, spec.listener, spec.connections, 1);
  if (!obs) return unavailable(name);
  const bad = obs.filter((o) => !o.echoed || o.identity?.service !== spec.service.name || (spec.versions !== undefined && !spec.versions.includes(o.identity.version)));
  const counts = countBy(obs, key);
  return [assertion(name, bad.length === 0, `answered by ${spec.service.name}${spec.versions ? ` ${spec.versions.join(' or ')}` : ''}, bytes echoed`, JSON.stringify(counts), { requests: obs.length, counts, sampleRequestIds: [...bad, ...obs].slice(0, 5).map((o) => o.requestId) })];
}

/** A split of TCP connections: the versions' shares become pending binomial tests (../judge.ts), as for HTTP. */
export async function runTcpSplit(ctx: CheckContext, spec: Split): Promise<AssertionResult[]> {
  const obs = await connections(ctx, spec.listener!, ctx.check.probes, 16);
  if (!obs) return unavailable('share of each version');
  const fromService = (o: TcpObservation) => o.echoed && o.identity?.service === spec.service.name && spec.weights.some((w) => w.version === o.identity!.version);
  const valid = obs.filter(fromService);
  const bad = obs.filter((o) => !fromService(o));
  const counts = countBy(obs, key);
  const ids = [...bad, ...obs].slice(0, 5).map((o) => o.requestId);
  const out = [
    assertion('every connection answered as declared', bad.length === 0, `${spec.service.name} ${spec.weights.map((w) => w.version).join('/')}, bytes echoed`, bad.length === 0 ? `all ${obs.length}` : `${bad.length}/${obs.length} not: ${key(bad[0]!)}`, { requests: obs.length, counts, sampleRequestIds: ids }),
  ];
  for (const t of spec.tests) {
    const version = t.outcome.replace(/^version /, '');
    const successes = valid.filter((o) => o.identity!.version === version).length;
    const a = assertion(`share of ${t.outcome}`, true, `${(t.expected * 100).toFixed(1)}%`, `${successes}/${valid.length}`, { requests: valid.length, counts, sampleRequestIds: ids });
    ctx.pending.push({ assertion: a, successes, trials: valid.length, expected: t.expected });
    out.push(a);
  }
  return out;
}

/**
 * Holds `limit` connections (each answered by the echo), then opens a few more: each must be
 * closed without an answer. After releasing them all, one more must be answered again.
 */
export async function runTcpLimit(ctx: CheckContext, spec: TcpLimit): Promise<AssertionResult[]> {
  const hold = ctx.transport.tcpHold;
  if (!hold) return unavailable('connections past the limit are closed');
  const open = (): Promise<HeldConnection> => hold.call(ctx.transport, ctx.check.via, spec.listener).then((h) => (ctx.count(), h));
  const held: HeldConnection[] = [];
  try {
    for (let i = 0; i < spec.limit; i += 16) held.push(...(await Promise.all(Array.from({ length: Math.min(16, spec.limit - i) }, open))));
    const admitted = held.filter((h) => h.identity).length;
    const extra: HeldConnection[] = [];
    for (let i = 0; i < 5; i++) extra.push(await open());
    const refused = extra.filter((h) => !h.identity).length;
    for (const h of [...held, ...extra]) h.close();
    held.length = 0;
    // Closed connections leave the listener's count once their close is seen: retry a few times.
    let after: HeldConnection | undefined;
    for (let i = 0; i < 20 && !after?.identity; i++) {
      after?.close();
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      after = await open();
    }
    after?.close();
    const ok = admitted === spec.limit && refused === extra.length && after?.identity !== undefined;
    const count = (xs: HeldConnection[]) => countBy(xs, (h) => (h.identity ? `answered by ${h.identity.service} ${h.identity.version}` : `closed (${h.error})`));
    return [
      assertion(
        `connections past ${spec.limit} are closed`,
        admitted < spec.limit ? 'inconclusive' : ok,
        `${spec.limit} answered and held; ${extra.length} more closed without an answer; a new one answered after release`,
        `${admitted} of ${spec.limit} answered; ${refused} of ${extra.length} more closed (${JSON.stringify(count(extra))}); after release: ${after?.identity ? 'answered' : `closed (${after?.error})`}`,
        { requests: spec.limit + extra.length + 1, counts: count(extra) },
      ),
    ];
  } finally {
    for (const h of held) h.close();
  }
}
