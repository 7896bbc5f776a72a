/**
 * Runs a plan against a transport: lanes in parallel, and within a lane the statistical checks
 * together, then the deterministic ones, then the disruptive ones one by one (./../plan/types.ts
 * explains lanes). Returns the check results with the proportion tests still pending; ../judge.ts
 * decides them together.
 */
import type { CheckResult } from '../report';
import type { Plan, PlannedCheck } from '../plan/types';
import { CheckContext, type TokenSigner } from './context';
import { runRouting } from './checks/routing';
import { runGatewayMtls } from './checks/gateway-mtls';
import { runFault, runMirror, runSplit } from './checks/statistical';
import { runBalancer, runBreaker, runRateLimit, runRetries, runTimeout } from './checks/resilience';
import { runOutlier } from './checks/outlier';
import { runConnectFailure } from './checks/connect-failure';
import { runGrpcRetries, runGrpcRoute, runGrpcTimeout } from './checks/grpc';
import { runTcpLimit, runTcpRoute } from './checks/tcp';
import { runFallback, runRatioBreaker } from './checks/degradation';
import { runSwitchFlip } from './checks/degradation-switch';
import { runAuthorization, runJwt, runMtls } from './checks/security';
import { runStreamAuthorization, runStreamMtls } from './checks/stream-security';
import type { Transport } from './transport';

export interface DriveEvents {
  checkStarted?(check: PlannedCheck): void;
  probeSent?(check: PlannedCheck): void;
  checkFinished?(check: PlannedCheck, result: CheckResult): void;
}

export interface Driven {
  results: CheckResult[];
  contexts: CheckContext[];
  probes: number;
}

async function execute(ctx: CheckContext): Promise<CheckResult> {
  const c = ctx.check;
  const start = performance.now();
  const s = c.spec;
  const assertions =
    s.type === 'routing' ? await runRouting(ctx, s.probes)
    : s.type === 'split' ? await runSplit(ctx, s)
    : s.type === 'fault' ? await runFault(ctx, s)
    : s.type === 'mirror' ? await runMirror(ctx, s)
    : s.type === 'retries' ? await runRetries(ctx, s)
    : s.type === 'timeout' ? await runTimeout(ctx, s)
    : s.type === 'connect-failure' ? await runConnectFailure(ctx, s)
    : s.type === 'grpc-route' ? await runGrpcRoute(ctx, s)
    : s.type === 'grpc-retries' ? await runGrpcRetries(ctx, s)
    : s.type === 'grpc-timeout' ? await runGrpcTimeout(ctx, s)
    : s.type === 'tcp-route' ? await runTcpRoute(ctx, s)
    : s.type === 'tcp-limit' ? await runTcpLimit(ctx, s)
    : s.type === 'rate-limit' ? await runRateLimit(ctx, s)
    : s.type === 'circuit-breaker' ? await runBreaker(ctx, s)
    : s.type === 'outlier' ? await runOutlier(ctx, s)
    : s.type === 'mtls' ? await (s.protocol ? runStreamMtls(ctx, s) : runMtls(ctx, s))
    : s.type === 'authorization' ? await (s.protocol ? runStreamAuthorization(ctx, s) : runAuthorization(ctx, s))
    : s.type === 'jwt' ? await runJwt(ctx, s)
    : s.type === 'fallback' ? await runFallback(ctx, s)
    : s.type === 'ratio-breaker' ? await runRatioBreaker(ctx, s)
    : s.type === 'switch-flip' ? await runSwitchFlip(ctx, s)
    : s.type === 'gateway-mtls' ? await runGatewayMtls(ctx, s)
    : await runBalancer(ctx, s);
  return {
    id: c.id,
    kind: c.kind,
    title: c.title,
    declaration: c.declaration,
    status: assertions.some((a) => a.status === 'failed') ? 'failed' : 'passed',
    assertions,
    durationMs: Math.round(performance.now() - start),
  };
}

export async function drive(plan: Plan, checks: PlannedCheck[], transport: Transport, runId: string, events: DriveEvents = {}, signer?: TokenSigner): Promise<Driven> {
  const contexts = new Map<PlannedCheck, CheckContext>();
  checks.forEach((c, i) => contexts.set(c, new CheckContext(c, transport, `${runId}-c${i}`, () => events.probeSent?.(c), signer)));
  const results = new Map<PlannedCheck, CheckResult>();
  const run = async (c: PlannedCheck): Promise<void> => {
    events.checkStarted?.(c);
    const r = await execute(contexts.get(c)!);
    results.set(c, r);
    events.checkFinished?.(c, r);
  };
  const lanes = new Map<string, PlannedCheck[]>();
  for (const c of checks) lanes.set(c.lane, [...(lanes.get(c.lane) ?? []), c]);
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      const of = (phase: PlannedCheck['phase']) => lane.filter((c) => c.phase === phase);
      // Pool limits last: under load a burst can trip outlier detection, and an ejection lasts.
      const disruptive = [...of('disruptive').filter((c) => c.kind !== 'circuit-breaker'), ...of('disruptive').filter((c) => c.kind === 'circuit-breaker')];
      const sequential = async (): Promise<void> => {
        for (const c of [...of('deterministic'), ...disruptive]) await run(c);
      };
      if (lane[0]!.isolated) {
        for (const c of of('exclusive')) await run(c);
        for (const c of of('statistical')) await run(c);
        await sequential();
        return;
      }
      const drained = new Set(of('exclusive').flatMap((c) => c.resources ?? []));
      const free = of('statistical').filter((c) => !(c.resources ?? []).some((r) => drained.has(r)));
      const blocked = of('statistical').filter((c) => !free.includes(c));
      const exclusiveDone = (async () => {
        for (const c of of('exclusive')) await run(c);
      })();
      await Promise.all([...free.map(run), exclusiveDone.then(() => Promise.all([...blocked.map(run), sequential()]))]);
    }),
  );
  void plan;
  const ordered = checks.map((c) => results.get(c)!);
  return { results: ordered, contexts: [...contexts.values()], probes: [...contexts.values()].reduce((n, x) => n + x.probes, 0) };
}
