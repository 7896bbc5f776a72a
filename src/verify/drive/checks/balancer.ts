/**
 * Load balancers whose behaviour is statistical: random and least request (Envoy RANDOM and
 * LEAST_REQUEST with the power of two choices).
 * - random: probes from one caller instance, one at a time. Every instance must get its share
 *   (an exact two-sided binomial test per instance against 1/n, Bonferroni α = 0.001 / n), and
 *   the picks must not be a fixed rotation: round robin never picks the same instance twice in a
 *   row, random does with probability 1/n per pair (for 2 instances and 120 probes, a random
 *   balancer shows no repeat with probability 2^-119).
 * - least request: one instance (found by a first probe) holds every request it gets for a
 *   while (echo `delay` with `only=<instance>`), while probes run concurrently. A balancer that
 *   looks at requests in flight sends it fewer than its even share; round robin and random send
 *   it 1/n. Judged by a one-sided exact binomial test of H0: share ≥ 1/n at α = 0.001 (for two
 *   instances and 200 probes, power ≥ 0.999 when least request gives the held instance ≤ 30 %).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { binomialCdf, binomialTestPValue } from '../../stats/binomial';
import { assertion, countBy, sampleIds, type CheckContext } from '../context';
import type { Observation } from '../observation';

type Balancer = Extract<CheckSpec, { type: 'load-balancer' }>;

const ALPHA = 0.001;
/** Probes in flight at once for least request: enough that the held instance has requests queued. */
const LEAST_REQUEST_CONCURRENCY = 8;

export async function runRandom(ctx: CheckContext, spec: Balancer): Promise<AssertionResult[]> {
  const obs: Observation[] = [];
  for (let i = 0; i < ctx.check.probes; i++) obs.push(await ctx.send(spec.request, { instance: 0 }));
  const served = obs.filter((o) => o.echo);
  const per = countBy(served, (o) => o.echo!.instance);
  const n = spec.instances;
  const worst = Object.keys(per).length < n ? 0 : Math.min(...Object.values(per).map((k) => binomialTestPValue(k, served.length, 1 / n)));
  let repeats = 0;
  for (let i = 1; i < served.length; i++) if (served[i]!.echo!.instance === served[i - 1]!.echo!.instance) repeats++;
  const evidence = { requests: obs.length, counts: per, sampleRequestIds: sampleIds(obs) };
  return [
    assertion('random: every instance gets its share', worst > ALPHA / n, `${n} instances, each ${(100 / n).toFixed(1)} % (binomial p > ${ALPHA / n} for each)`, `${JSON.stringify(per)}, smallest p ${worst.toPrecision(3)}`, evidence),
    assertion('random: no fixed rotation', repeats > 0, 'the same instance twice in a row at least once', `${repeats} repeat(s) in ${served.length} picks`, evidence),
  ];
}

export async function runLeastRequest(ctx: CheckContext, spec: Balancer): Promise<AssertionResult[]> {
  const first = await ctx.send(spec.request, { instance: 0 });
  const held = first.echo?.instance;
  if (!held) return [assertion('least request: a busy instance gets fewer requests', false, 'an echo answer naming its instance', `first probe: ${first.status} ${first.error ?? ''}`, { requests: 1, sampleRequestIds: [first.requestId] })];
  const controls = `delay=${spec.holdMs ?? 300}&only=${encodeURIComponent(held)}`;
  const total = ctx.check.probes - 1;
  const obs = await ctx.sendMany(total, () => spec.request, { controls, instance: 0 }, LEAST_REQUEST_CONCURRENCY);
  const served = obs.filter((o) => o.echo);
  const k = served.filter((o) => o.echo!.instance === held).length;
  const n = spec.instances;
  // One-sided: the probability that a balancer giving it 1/n sends it k or fewer.
  const p = binomialCdf(k, served.length, 1 / n);
  return [
    assertion(`least request: the busy instance gets less than 1/${n}`, served.length >= total / 2 && p < ALPHA, `${held} (holding each request ${spec.holdMs ?? 300} ms) gets fewer than ${(served.length / n).toFixed(0)} of ${served.length} (P(≤ k | 1/${n}) < ${ALPHA})`, `${k} of ${served.length} (p ${p.toPrecision(3)})`, {
      requests: obs.length + 1,
      counts: countBy(served, (o) => o.echo!.instance),
      sampleRequestIds: sampleIds(obs),
    }),
  ];
}
