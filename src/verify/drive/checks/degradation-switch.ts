/**
 * A degradation switch flipped at runtime under a bounded load (src/verify/plan/degradation.ts,
 * SwitchFlip). `clients` concurrent clients call the callee through the caller's outbound proxies
 * while the switch goes from its shipped state to the other and back. The load is cut in phases
 * by request id (`<check>.<phase>-<n>`): a request belongs to the phase in which it was sent, and
 * the `flipped` and `after` phases begin only once every proxy reports the new state
 * (Transport.setSwitch), and each flip is written only once the requests of the phase before
 * have all been answered (the load keeps running: new ones belong to the transition), so every
 * request of a steady phase is handled wholly in its state and the callee's arrival count of a
 * phase in which the switch is on must be exactly 0. Requests of a transition may get either
 * answer; none may fail.
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import type { Observation } from '../observation';
import { assertion, CheckContext, countBy, outcomeKey, sampleIds, sleep } from '../context';

type Flip = Extract<CheckSpec, { type: 'switch-flip' }>;
type State = 'on' | 'off';

interface Phase {
  name: string;
  /** The switch's state for every request of the phase; undefined while a flip propagates. */
  state?: State;
}

/** How long a phase may take to collect its answers (the load is paced under the callee's limit). */
const PHASE_TIMEOUT_MS = 60_000;

export async function runSwitchFlip(ctx: CheckContext, spec: Flip): Promise<AssertionResult[]> {
  const setSwitch = ctx.transport.setSwitch;
  if (!setSwitch) {
    return [assertion(`switch ${spec.switch} flips at runtime`, 'inconclusive', 'a flip of the switches file every proxy watches', 'this transport cannot flip switches (a cluster\'s switches are ConfigMaps: weft switch --env prints the patch)', { requests: 0 })];
  }
  const flipped: State = spec.shipped === 'on' ? 'off' : 'on';
  const phases: Phase[] = [{ name: 'before', state: spec.shipped }, { name: 'flipping' }, { name: 'flipped', state: flipped }, { name: 'restoring' }, { name: 'after', state: spec.shipped }];
  // One request-id prefix per phase, so the callee's echoes count each phase's arrivals apart.
  const contexts = phases.map((p) => new CheckContext(ctx.check, ctx.transport, `${ctx.idPrefix}.${p.name}`, () => {}, ctx.signer));
  const answers: Observation[][] = phases.map(() => []);
  const inflight = phases.map(() => 0);
  let current = 0;
  let sent = 0;
  let stop = false;
  const client = async (): Promise<void> => {
    while (!stop && sent < spec.maxRequests) {
      sent++;
      const phase = current;
      inflight[phase]!++;
      answers[phase]!.push(await contexts[phase]!.send(spec.request));
      inflight[phase]!--;
    }
  };
  // Below the callee's connection pool (the plan's cap for its lane), whose overflow would answer otherwise.
  const clients = Math.min(spec.clients, ctx.check.concurrency ?? spec.clients);
  const load = Promise.all(Array.from({ length: clients }, client));
  const collect = async (phase: number): Promise<void> => {
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    while (answers[phase]!.length < spec.perPhase && sent < spec.maxRequests && Date.now() < deadline) await sleep(20);
  };
  /** Starts a transition phase once the steady phase before it has no request in flight. */
  const begin = async (phase: number): Promise<void> => {
    current = phase;
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    while (inflight[phase - 1]! > 0 && Date.now() < deadline) await sleep(5);
  };
  const flips: { state: State; proxies?: number; ms: number; error?: string }[] = [];
  const flip = async (state: State): Promise<void> => {
    const t0 = performance.now();
    try {
      flips.push({ state, proxies: await setSwitch(spec.switch, state), ms: Math.round(performance.now() - t0) });
    } catch (error) {
      flips.push({ state, ms: Math.round(performance.now() - t0), error: (error as Error).message });
    }
  };
  try {
    await collect(0);
    await begin(1);
    await flip(flipped);
    current = 2;
    await collect(2);
    await begin(3);
    await flip(spec.shipped);
    current = 4;
    await collect(4);
  } finally {
    stop = true;
    await load;
    // Whatever happened above, the mesh leaves this check with the state it ships.
    if (flips.length < 2 || flips[1]!.error) await setSwitch(spec.switch, spec.shipped).catch(() => undefined);
    ctx.probes += contexts.reduce((n, c) => n + c.probes, 0);
  }

  const a = spec.answer;
  const marked = (o: Observation): boolean => o.headers['x-weft-fallback'] === `switch/${spec.switch}`;
  const isSwitchAnswer = (o: Observation): boolean =>
    marked(o) &&
    (a.kind === 'response'
      ? o.status === a.status && o.body === a.body && Object.entries(a.headers).every(([k, v]) => o.headers[k.toLowerCase()] === v)
      : o.status === 200 && o.echo?.service === a.service.name && (a.version === undefined || o.echo.version === a.version));
  const reachedCallee = (o: Observation): boolean => o.status === 200 && !marked(o) && o.echo?.service === spec.callee.name;
  const switchAnswer = a.kind === 'response' ? `${a.status} "${a.body}"` : `200 from ${a.service.name}${a.version !== undefined ? ` ${a.version}` : ''}`;
  /** Arrivals of a phase's requests at the shed versions of the callee (a switch may send to another version of it). */
  const shedArrivals = async (phase: string): Promise<number> => {
    let n = 0;
    for (const version of spec.shedVersions) n += (await ctx.transport.arrivals({ ...spec.callee, version }, `${ctx.idPrefix}.${phase}-`))?.arrivals ?? 0;
    return n;
  };
  const fits = (o: Observation, state: State | undefined): boolean => (state === 'on' ? isSwitchAnswer(o) : state === 'off' ? reachedCallee(o) : isSwitchAnswer(o) || reachedCallee(o));

  const out: AssertionResult[] = [];
  out.push(
    assertion(
      `the flips reach every proxy`,
      flips.length === 2 && flips.every((f) => f.error === undefined && (f.proxies ?? 0) > 0),
      `${flipped}, then ${spec.shipped}: every proxy declaring ${spec.switch} reports the new state`,
      flips.map((f) => (f.error ? `${f.state}: ${f.error}` : `${f.state}: ${f.proxies} proxies in ${f.ms} ms`)).join('; ') || 'not flipped',
      { requests: 0 },
    ),
  );
  for (const [i, phase] of phases.entries()) {
    if (phase.state === undefined || i === 0) continue;
    const obs = answers[i]!;
    const wrong = obs.filter((o) => !fits(o, phase.state));
    const arrivals = await shedArrivals(phase.name);
    const ok = phase.state === 'on' ? obs.length > 0 && wrong.length === 0 && arrivals === 0 : obs.length > 0 && wrong.length === 0 && arrivals > 0;
    const when = i === 2 ? `flipped ${phase.state}` : `back ${phase.state}`;
    out.push(
      assertion(
        phase.state === 'on' ? `${when}: every answer is the switch's and ${spec.callee.name} receives nothing` : `${when}: calls reach ${spec.callee.name} again`,
        ok,
        phase.state === 'on' ? `${switchAnswer} with x-weft-fallback: switch/${spec.switch}, 0 arrival(s) at ${spec.callee.name}` : `200 from ${spec.callee.name}, arrivals there`,
        `${obs.length} answer(s): ${Object.entries(countBy(obs, outcomeKey)).map(([k, n]) => `${n} × ${k}`).join(', ') || 'none'}; ${arrivals} arrival(s) at ${spec.callee.name}`,
        { requests: obs.length, counts: countBy(obs, outcomeKey), sampleRequestIds: sampleIds(obs, wrong) },
      ),
    );
  }
  const all = answers.flat();
  const failed = answers.flatMap((obs, i) => obs.filter((o) => !fits(o, phases[i]!.state)));
  out.push(
    assertion(
      `0 failed requests under load (${clients} clients)`,
      all.length > 0 && failed.length === 0,
      `every answer is the callee's or the switch's, as the phase allows`,
      `${all.length} request(s), ${failed.length} failed${failed.length ? `: ${Object.entries(countBy(failed, outcomeKey)).map(([k, n]) => `${n} × ${k}`).join(', ')}` : ''}`,
      { requests: all.length, counts: countBy(all, outcomeKey), sampleRequestIds: sampleIds(all, failed) },
    ),
  );
  return out;
}
