/**
 * Compiles one route of the config into its predicate and its request chain. Only the steps the
 * route declares are composed in, in Envoy's filter order: CORS, rate limit, fault, header and
 * path rewrites, then the router (body buffering, mirror, weighted split, route timeout,
 * retries, and per attempt: per-try timeout, circuit breaker, load balancing, outlier
 * accounting, upstream — pipeline/attempt.ts, one handler per attempt).
 */
import type { ServiceRuntime } from '../cluster/service';
import type { ProxyConfig, RouteConfig } from '../config/schema';
import { bufferBodyStep } from '../pipeline/body';
import { corsStep } from '../pipeline/cors';
import { directResponseDispatch } from '../pipeline/direct-response';
import { faultStep } from '../pipeline/fault';
import { compileHeaderEdits, type HeaderEdits } from '../pipeline/header-edits';
import { requestHeadersStep } from '../pipeline/headers';
import { attemptDispatch } from '../pipeline/attempt';
import { DeadlineList } from '../pipeline/deadline-list';
import { mirrorStep, type MirrorBudget } from '../pipeline/mirror';
import { rateLimitStep } from '../pipeline/rate-limit';
import { redirectDispatch } from '../pipeline/redirect';
import { RetryPolicy, retryStep } from '../pipeline/retry';
import { rewriteStep } from '../pipeline/rewrite';
import { splitStep } from '../pipeline/split';
import { timeoutStep } from '../pipeline/timeout';
import { grpcTimeoutStep } from '../pipeline/grpc-timeout';
import { compose, type Dispatch, type Step } from '../pipeline/types';
import { compileMatch, type Predicate } from './match';
import type { RatioBreaker } from '../cluster/ratio-breaker';
import type { FallbackConfig, SwitchRuleConfig } from '../config/degradation-schema';
import type { IstioMetrics } from '../metrics';
import { degradeStep } from '../pipeline/degrade';
import { destinationAnswer, fallbackStep, responseAnswer, type FallbackAnswer } from '../pipeline/fallback';
import { ratioBreakerStep } from '../pipeline/ratio-breaker';
import { LeakyBucket, shapeStep } from '../pipeline/shape';
import type { SwitchBoard } from '../switch-board';

export interface CompiledRoute {
  readonly name: string;
  readonly matches: Predicate;
  readonly dispatch: Dispatch;
}

export interface RouteContext {
  readonly services: ReadonlyMap<string, ServiceRuntime>;
  readonly limits: ProxyConfig['limits'];
  readonly mirrorBudget: MirrorBudget;
  /** Degradation: switch states, ratio breakers by service, the shaping buckets built (for metrics). */
  readonly switches: SwitchBoard;
  readonly breakers: ReadonlyMap<string, RatioBreaker>;
  readonly shapers: Array<{ route: string; bucket: LeakyBucket }>;
  readonly metrics: IstioMetrics | null;
}

function endpointSet(ctx: RouteContext, service: string, subset: string | undefined) {
  const set = ctx.services.get(service)?.subset(subset);
  // Semantic validation guarantees references resolve; reaching this is a bug.
  if (!set) throw new Error(`unresolved destination ${service}/${subset ?? '*'}`);
  return set;
}

/** `responseEdits`: the route's response header edits, applied by the terminal (pipeline/header-edits.ts). */
export function forwardChain(
  route: Pick<RouteConfig, 'retries' | 'timeoutMs' | 'mirror'> & { destinations: Array<{ service: string; subset?: string | undefined; weight: number }> },
  ctx: RouteContext,
  responseEdits: HeaderEdits | null = null,
): { steps: Step[]; terminal: Dispatch } {
  const steps: Step[] = [];
  const retries = route.retries;
  if ((retries && retries.attempts > 0) || route.mirror) steps.push(bufferBodyStep(ctx.limits.maxRequestBodyBufferBytes));
  if (route.mirror) steps.push(mirrorStep(endpointSet(ctx, route.mirror.service, route.mirror.subset), route.mirror.percent, ctx.mirrorBudget));
  steps.push(splitStep(route.destinations.map((d) => ({ set: endpointSet(ctx, d.service, d.subset), weight: d.weight }))));
  if (ctx.breakers.size > 0) steps.push(ratioBreakerStep(ctx.breakers));
  const retrying = retries !== undefined && retries.attempts > 0;
  // With retries, the retry handler keeps the route timeout itself (one object per request less);
  // the gRPC deadline then sits just outside it instead of just inside: both end the request
  // with 504 UT, whichever passes first.
  if (route.timeoutMs && !retrying) steps.push(timeoutStep(route.timeoutMs, false));
  steps.push(grpcTimeoutStep);
  // One deadline list per route and kind: every request of the route has the same duration.
  const attempt = attemptDispatch(retries?.perTryTimeoutMs ? new DeadlineList(retries.perTryTimeoutMs) : null, retrying ? null : responseEdits);
  const terminal = retrying ? retryStep(new RetryPolicy(retries), attempt, route.timeoutMs ? new DeadlineList(route.timeoutMs) : null, responseEdits) : attempt;
  return { steps, terminal };
}

/** A fallback's or switch rule's answer: its preset response, or a forward to its destination. */
function answerOf(a: { response: NonNullable<Parameters<typeof responseAnswer>[0]> } | { to: { service: string; subset?: string | undefined } }, ctx: RouteContext): FallbackAnswer {
  if ('response' in a) return responseAnswer(a.response);
  const f = forwardChain({ destinations: [{ service: a.to.service, subset: a.to.subset, weight: 1 }] }, ctx);
  return destinationAnswer(compose(f.steps, f.terminal));
}

/**
 * The degradation steps of a route or the inbound listener, outermost first: switches, then
 * (when a fallback may re-send the request elsewhere) body buffering, then the fallback
 * around everything after it, rate limit and shaping included.
 */
export function degradationSteps(d: { name: string; degrade?: SwitchRuleConfig[] | undefined; fallback?: FallbackConfig | undefined; rateLimit?: RouteConfig['rateLimit']; shape?: RouteConfig['shape'] }, ctx: RouteContext): Step[] {
  const steps: Step[] = [];
  if (d.degrade && d.degrade.length > 0) steps.push(degradeStep(d.degrade.map((r) => ({ switch: r.switch, answer: answerOf(r, ctx) })), ctx.switches, ctx.metrics));
  if (d.fallback) {
    if ('to' in d.fallback) steps.push(bufferBodyStep(ctx.limits.maxRequestBodyBufferBytes));
    steps.push(fallbackStep(d.fallback.on, answerOf(d.fallback, ctx), ctx.metrics));
  }
  if (d.rateLimit) steps.push(rateLimitStep(d.rateLimit));
  if (d.shape) {
    const bucket = new LeakyBucket(d.shape);
    ctx.shapers.push({ route: d.name, bucket });
    steps.push(shapeStep(bucket));
  }
  return steps;
}

export function compileRoute(route: RouteConfig, ctx: RouteContext): CompiledRoute {
  const steps: Step[] = [];
  if (route.cors) steps.push(corsStep(route.cors));
  steps.push(...degradationSteps(route, ctx));
  if (route.fault) steps.push(faultStep(route.fault));
  const requestHeaders = requestHeadersStep(route.headers?.request);
  if (requestHeaders) steps.push(requestHeaders);
  // Response edits: the terminal applies them where it hands the response downstream (pipeline/header-edits.ts).
  const responseEdits = compileHeaderEdits(route.headers?.response);
  const rewrite = route.rewrite ? rewriteStep(route.rewrite, route.match.path) : null;
  if (rewrite) steps.push(rewrite);
  let terminal: Dispatch;
  const a = route.action;
  if (a.type === 'forward') {
    const f = forwardChain({ ...route, destinations: a.destinations }, ctx, responseEdits);
    steps.push(...f.steps);
    terminal = f.terminal;
  } else if (a.type === 'redirect') {
    terminal = redirectDispatch(a, route.match.path, responseEdits);
  } else {
    terminal = directResponseDispatch(a.status, a.body, a.headers, responseEdits);
  }
  return { name: route.name, matches: compileMatch(route), dispatch: compose(steps, terminal) };
}
