/**
 * Routing probes: each request is sent `repeat` times and every answer must be what the model
 * says — the version(s) of the matching route, its redirect or direct response, the rewritten
 * path and authority the echo saw, and the request/response header operations. Probes carry
 * what makes header removal and overwriting observable (the header to remove, an echo control
 * that sets the response header the route must remove).
 */
import type { AssertionResult } from '../../report';
import type { Outcome, ProbeRequest, RoutingProbe } from '../../plan/types';
import { assertion, countBy, latencyEvidence, outcomeKey, sampleIds, withControls, type CheckContext } from '../context';
import type { Observation } from '../observation';

const ORIGINAL = 'weft-original';

/** The probe request with what makes the expected header operations observable. */
export function observableRequest(request: ProbeRequest, expected: Outcome): ProbeRequest {
  if (expected.kind !== 'forward') return request;
  const headers = { ...request.headers };
  const rq = expected.requestHeaders;
  for (const name of [...(rq?.remove ?? []), ...Object.keys(rq?.set ?? {})]) headers[name] ??= ORIGINAL;
  const rs = expected.responseHeaders;
  const controls = [...(rs?.remove ?? []), ...Object.keys(rs?.set ?? {})].map((name) => `header=${encodeURIComponent(`${name}:${ORIGINAL}`)}`).join('&');
  return withControls({ ...request, headers }, controls);
}

/** Everything wrong with one observation (empty = as expected). */
export function mismatches(o: Observation, expected: Outcome, sent: ProbeRequest): string[] {
  if (o.error) return [`no response (${o.error})`];
  const out: string[] = [];
  if (expected.kind === 'redirect') {
    if (o.status !== expected.status) out.push(`status ${o.status}, expected redirect ${expected.status}`);
    const location = o.headers.location;
    if (!location) out.push('no Location header');
    else {
      const url = new URL(location, 'http://placeholder');
      if (expected.path !== undefined && url.pathname !== expected.path) out.push(`Location path ${url.pathname}, expected ${expected.path}`);
      if (expected.authority !== undefined && url.host !== expected.authority) out.push(`Location authority ${url.host}, expected ${expected.authority}`);
      if (expected.scheme !== undefined && url.protocol !== `${expected.scheme}:`) out.push(`Location scheme ${url.protocol.slice(0, -1)}, expected ${expected.scheme}`);
    }
    return out;
  }
  if (expected.kind === 'direct-response') {
    if (o.status !== expected.status) out.push(`status ${o.status}, expected ${expected.status}`);
    if (expected.body !== undefined && o.body !== expected.body) out.push(`body ${JSON.stringify(o.body.slice(0, 60))}, expected ${JSON.stringify(expected.body)}`);
    if (o.echo) out.push(`answered by ${o.echo.service} ${o.echo.version}, expected the proxy's direct response`);
    return out;
  }
  if (!o.echo) return [`${outcomeKey(o)} without an echo answer, expected ${expected.service.name}`];
  if (o.status !== 200) out.push(`status ${o.status}`);
  if (o.echo.service !== expected.service.name) out.push(`answered by service ${o.echo.service}, expected ${expected.service.name}`);
  else if (!expected.destinations.some((d) => d.version === undefined || d.version === o.echo!.version)) {
    out.push(`answered by version ${o.echo.version}, expected ${expected.destinations.map((d) => d.version).join(' or ')}`);
  }
  const sentPath = sent.path.split('?')[0];
  const wantPath = expected.rewrittenPath ?? sentPath;
  if (o.echo.path !== wantPath) out.push(`echo saw path ${o.echo.path}, expected ${wantPath}${expected.rewrittenPath !== undefined ? ' (rewrite)' : ''}`);
  if (expected.rewrittenAuthority !== undefined && o.echo.host !== expected.rewrittenAuthority) out.push(`echo saw host ${o.echo.host}, expected ${expected.rewrittenAuthority} (rewrite)`);
  const rq = expected.requestHeaders;
  for (const [k, v] of Object.entries(rq?.set ?? {})) if (o.echo.headers[k.toLowerCase()] !== v) out.push(`request header ${k}: ${o.echo.headers[k.toLowerCase()] ?? '(absent)'}, expected set to ${v}`);
  for (const [k, v] of Object.entries(rq?.add ?? {})) if (!(o.echo.headers[k.toLowerCase()] ?? '').split(', ').includes(v)) out.push(`request header ${k} lacks added value ${v}`);
  for (const k of rq?.remove ?? []) if (o.echo.headers[k.toLowerCase()] !== undefined) out.push(`request header ${k} reached the service, expected removed`);
  const rs = expected.responseHeaders;
  for (const [k, v] of Object.entries(rs?.set ?? {})) if (o.headers[k.toLowerCase()] !== v) out.push(`response header ${k}: ${o.headers[k.toLowerCase()] ?? '(absent)'}, expected set to ${v}`);
  for (const [k, v] of Object.entries(rs?.add ?? {})) if (!(o.headers[k.toLowerCase()] ?? '').split(', ').includes(v)) out.push(`response header ${k} lacks added value ${v}`);
  for (const k of rs?.remove ?? []) if (o.headers[k.toLowerCase()] !== undefined) out.push(`response header ${k} reached the caller, expected removed`);
  // A route without response header operations must not have changed the echo's own headers.
  return out;
}

export function describeExpected(expected: Outcome): string {
  if (expected.kind === 'redirect') return `${expected.route}: ${expected.status} to ${expected.path ?? '(same path)'}`;
  if (expected.kind === 'direct-response') return `${expected.route}: ${expected.status}${expected.body !== undefined ? ` "${expected.body}"` : ''}`;
  return `${expected.route} → ${expected.service.name} ${expected.destinations.map((d) => d.version ?? 'any version').join('/')}`;
}

export async function runRouting(ctx: CheckContext, probes: RoutingProbe[]): Promise<AssertionResult[]> {
  const results: AssertionResult[] = [];
  for (const probe of probes) {
    const request = observableRequest(probe.request, probe.expected);
    const abort = probe.expected.kind === 'forward' ? probe.expected.abortStatus : undefined;
    const obs = await ctx.sendMany(probe.repeat, () => request, { resendAbort: abort }, 8);
    const problems = obs.map((o) => mismatches(o, probe.expected, request));
    // Undistinguishable one by one: the right route must show, at least once, an answer the wrong one cannot give.
    const alt = probe.alternative;
    if (alt && problems.every((p) => p.length === 0) && obs.every((o) => mismatches(o, alt, request).length === 0)) {
      problems[problems.length - 1] = [`all ${obs.length} answers are what ${describeExpected(alt)} gives; the declared ${describeExpected(probe.expected)} would differ in one with probability ≥ 0.999`];
    }
    const failing = obs.filter((_, i) => problems[i]!.length > 0);
    const first = problems.find((p) => p.length > 0);
    results.push(
      assertion(
        probe.name,
        failing.length === 0,
        `${describeExpected(probe.expected)} (${probe.request.method} ${probe.request.path}${Object.keys(probe.request.headers).length ? ` ${JSON.stringify(probe.request.headers)}` : ''}) ×${probe.repeat}`,
        failing.length === 0 ? `all ${obs.length} as expected` : `${failing.length}/${obs.length} wrong: ${first!.join('; ')}`,
        { requests: obs.length, counts: countBy(obs, outcomeKey), ...latencyEvidence(obs), sampleRequestIds: sampleIds(obs, failing) },
      ),
    );
  }
  return results;
}
