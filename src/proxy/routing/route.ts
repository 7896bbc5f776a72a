/**
 * Compiles one route of the config into its predicate and its request chain. Only the steps the
 * route declares are composed in, in Envoy's filter order: CORS, rate limit, fault, header and
 * path rewrites, then the router (body buffering, mirror, weighted split, route timeout,
 * retries, and per attempt: per-try timeout, circuit breaker, load balancing, outlier
 * accounting, upstream).
 */
import type { ServiceRuntime } from '../cluster/service';
import type { ProxyConfig, RouteConfig } from '../config/schema';
import { bufferBodyStep } from '../pipeline/body';
import { corsStep } from '../pipeline/cors';
import { directResponseDispatch } from '../pipeline/direct-response';
import { faultStep } from '../pipeline/fault';
import { headersStep } from '../pipeline/headers';
import { lbStep } from '../pipeline/lb';
import { limitsStep } from '../pipeline/limits';
import { mirrorStep, type MirrorBudget } from '../pipeline/mirror';
import { outlierStep } from '../pipeline/outlier';
import { rateLimitStep } from '../pipeline/rate-limit';
import { redirectDispatch } from '../pipeline/redirect';
import { RetryPolicy, retryStep } from '../pipeline/retry';
import { rewriteStep } from '../pipeline/rewrite';
import { splitStep } from '../pipeline/split';
import { timeoutStep } from '../pipeline/timeout';
import { compose, type Dispatch, type Step } from '../pipeline/types';
import { upstreamDispatch } from '../pipeline/upstream';
import { compileMatch, type Predicate } from './match';

export interface CompiledRoute {
  readonly name: string;
  readonly matches: Predicate;
  readonly dispatch: Dispatch;
}

export interface RouteContext {
  readonly services: ReadonlyMap<string, ServiceRuntime>;
  readonly limits: ProxyConfig['limits'];
  readonly mirrorBudget: MirrorBudget;
}

/** The per-attempt chain shared by every forwarding route. */
const attemptChain = compose([limitsStep, lbStep, outlierStep], upstreamDispatch);

function endpointSet(ctx: RouteContext, service: string, subset: string | undefined) {
  const set = ctx.services.get(service)?.subset(subset);
  // Semantic validation guarantees references resolve; reaching this is a bug.
  if (!set) throw new Error(`unresolved destination ${service}/${subset ?? '*'}`);
  return set;
}

export function forwardChain(route: Pick<RouteConfig, 'retries' | 'timeoutMs' | 'mirror'> & { destinations: Array<{ service: string; subset?: string | undefined; weight: number }> }, ctx: RouteContext): { steps: Step[]; terminal: Dispatch } {
  const steps: Step[] = [];
  const retries = route.retries;
  if ((retries && retries.attempts > 0) || route.mirror) steps.push(bufferBodyStep(ctx.limits.maxRequestBodyBufferBytes));
  if (route.mirror) steps.push(mirrorStep(endpointSet(ctx, route.mirror.service, route.mirror.subset), route.mirror.percent, ctx.mirrorBudget));
  steps.push(splitStep(route.destinations.map((d) => ({ set: endpointSet(ctx, d.service, d.subset), weight: d.weight }))));
  if (route.timeoutMs) steps.push(timeoutStep(route.timeoutMs, false));
  let attempt = attemptChain;
  if (retries?.perTryTimeoutMs) attempt = timeoutStep(retries.perTryTimeoutMs, true)(attempt);
  const terminal = retries && retries.attempts > 0 ? retryStep(new RetryPolicy(retries), attempt) : attempt;
  return { steps, terminal };
}

export function compileRoute(route: RouteConfig, ctx: RouteContext): CompiledRoute {
  const steps: Step[] = [];
  if (route.cors) steps.push(corsStep(route.cors));
  if (route.rateLimit) steps.push(rateLimitStep(route.rateLimit));
  if (route.fault) steps.push(faultStep(route.fault));
  const headers = headersStep(route.headers?.request, route.headers?.response);
  if (headers) steps.push(headers);
  const rewrite = route.rewrite ? rewriteStep(route.rewrite, route.match.path) : null;
  if (rewrite) steps.push(rewrite);
  let terminal: Dispatch;
  const a = route.action;
  if (a.type === 'forward') {
    const f = forwardChain({ ...route, destinations: a.destinations }, ctx);
    steps.push(...f.steps);
    terminal = f.terminal;
  } else if (a.type === 'redirect') {
    terminal = redirectDispatch(a, route.match.path);
  } else {
    terminal = directResponseDispatch(a.status, a.body, a.headers);
  }
  return { name: route.name, matches: compileMatch(route), dispatch: compose(steps, terminal) };
}
