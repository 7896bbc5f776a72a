/**
 * What every check executor gets: a request-id source (seeded, so runs are reproducible), a
 * sender that paces probes under the plan's declared rate limits and resends probes that a
 * rate limit or an injected fault answered when those are not what the check is about, and the
 * evidence helpers.
 */
import type { AssertionResult, Evidence, Status } from '../report';
import type { PlannedCheck, ProbeRequest, TokenSpec } from '../plan/types';
import { rateLimited, type Observation } from './observation';
import type { Transport } from './transport';
import { latencyHistogram } from '../stats/histogram';

export interface PendingProportion {
  assertion: AssertionResult;
  successes: number;
  trials: number;
  expected: number;
}

export interface SendOptions {
  /** Pin to one caller instance (per-instance buckets and pools). */
  instance?: number;
  /** Resend when a rate limit answered 429 (flag RL). @default true */
  resendRateLimited?: boolean;
  /** Resend when the route's fault aborted with this status (flag FI). */
  resendAbort?: number;
  /** Resend any answer an injected fault aborted (flag FI): retry and timeout probes are not about faults. */
  resendFaults?: boolean;
  /** Extra query controls for the echo (`status=503`). */
  controls?: string;
  /** Straight to the callee's first instance's inbound listener, as this identity (see Transport.sendDirect). */
  direct?: { identity?: import('../../model/common').ServiceRef };
  /** Claims the probe's token carries beyond iss/aud (authorization rules on jwtClaims); null = no token at all. */
  claims?: Record<string, unknown> | null;
}

/** Signs a token with the local mesh's key (claims may override iss, aud, exp, nbf). */
export type TokenSigner = (claims: Record<string, unknown>) => Promise<string>;

export class CheckContext {
  private n = 0;
  private nextSlot = 0;
  readonly pending: PendingProportion[] = [];
  probes = 0;
  /** Whether any reply carried `x-weft-response-flags` (PlannedCheck.flagsFromOverlay). */
  flagsHeaderSeen = false;

  constructor(
    readonly check: PlannedCheck,
    readonly transport: Transport,
    readonly idPrefix: string,
    private readonly onProbe: () => void,
    readonly signer?: TokenSigner,
  ) {}

  private readonly tokens = new Map<string, Promise<string>>();

  /** The request with the callee's valid token attached (one token per claim set, signed once). */
  private async authenticated(request: ProbeRequest, claims: Record<string, unknown> | null | undefined): Promise<ProbeRequest> {
    const spec = this.check.via.token;
    if (!spec || !this.signer || claims === null) return request;
    const key = JSON.stringify(claims ?? {});
    if (!this.tokens.has(key)) this.tokens.set(key, this.signer({ iss: spec.issuer, ...(spec.audience ? { aud: spec.audience } : {}), ...claims }));
    return withToken(request, spec, await this.tokens.get(key)!);
  }

  /** The request as `send` would put it on the wire (controls, the callee's token), for probes sent another way. */
  prepare(request: ProbeRequest, options: Pick<SendOptions, 'controls' | 'claims'> = {}): Promise<ProbeRequest> {
    return this.authenticated(options.controls ? withControls(request, options.controls) : request, options.claims);
  }

  /** Counts one probe sent another way than `send` (progress and the report's probe total). */
  count(): void {
    this.probes++;
    this.onProbe();
  }

  rid(): string {
    return `${this.idPrefix}-${(this.n++).toString(36)}`;
  }

  /** Waits for this probe's slot under the check's rate cap (95 % of what the declared limits allow). */
  private async pace(): Promise<void> {
    const cap = this.check.rateCap;
    if (!cap) return;
    const interval = 1000 / (cap * 0.95);
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + interval;
    if (slot > now) await sleep(slot - now);
  }

  async send(request: ProbeRequest, options: SendOptions = {}): Promise<Observation> {
    const req = await this.authenticated(options.controls ? withControls(request, options.controls) : request, options.claims);
    for (let tries = 0; ; tries++) {
      if (options.resendRateLimited !== false || options.resendAbort !== undefined) await this.pace();
      const o = options.direct
        ? ((await this.transport.sendDirect?.(this.check.via.caller && target(this.check), req, this.rid(), options.direct.identity)) ?? missingDirect(this.rid()))
        : await this.transport.send(this.check.via, req, this.rid(), options.instance);
      this.probes++;
      this.onProbe();
      if (o.headers['x-weft-response-flags'] !== undefined) this.flagsHeaderSeen = true;
      if (tries < RATE_LIMITED_RESENDS && options.resendRateLimited !== false && rateLimited(o)) {
        await rateLimitBackoff(tries);
        continue;
      }
      if (tries < 20 && o.flags.includes('FI') && (options.resendFaults || (options.resendAbort !== undefined && o.status === options.resendAbort))) continue;
      return o;
    }
  }

  /** Sends `count` probes, `concurrency` at a time; returns them in order. */
  async sendMany(count: number, request: (i: number) => ProbeRequest, options: SendOptions = {}, concurrency = 16): Promise<Observation[]> {
    const out = new Array<Observation>(count);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        out[i] = await this.send(request(i), options);
      }
    };
    const limit = Math.min(concurrency, this.check.concurrency ?? concurrency, count);
    await Promise.all(Array.from({ length: limit }, worker));
    return out;
  }
}

/**
 * A probe that a declared rate limit rejected (429 RL) tells nothing about the behaviour under
 * check, only that other checks share the bucket: it is sent again after a growing pause.
 */
export const RATE_LIMITED_RESENDS = 50;
export const rateLimitBackoff = (tries: number): Promise<void> => sleep(50 + tries * 20);

/** Puts `token` where the callee's JWT rule looks for it. */
export function withToken(request: ProbeRequest, spec: TokenSpec, token: string): ProbeRequest {
  if (spec.param) return withControls(request, `${encodeURIComponent(spec.param)}=${encodeURIComponent(token)}`);
  const header = spec.header ?? 'authorization';
  if (Object.keys(request.headers).some((h) => h.toLowerCase() === header)) return request;
  return { ...request, headers: { ...request.headers, [header]: `${spec.prefix ?? ''}${token}` } };
}

/** The service a check is about (the callee its probes address). */
function target(check: PlannedCheck): import('../../model/common').ServiceRef {
  const [name, namespace] = check.via.authority.split(':')[0]!.split('.');
  return { name: name!, namespace: namespace! };
}

function missingDirect(requestId: string): Observation {
  return { requestId, status: 0, headers: {}, body: '', durationMs: 0, flags: [], error: 'DIRECT_NOT_AVAILABLE' };
}

export function withControls(request: ProbeRequest, controls: string): ProbeRequest {
  if (!controls) return request;
  return { ...request, path: `${request.path}${request.path.includes('?') ? '&' : '?'}${controls}` };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `ok`: true passed, false failed, 'inconclusive' skipped (the probes could not produce the condition; said in `observed`). */
export function assertion(name: string, ok: boolean | 'inconclusive', expected: string, observed: string, evidence: Partial<Evidence> & { requests: number }): AssertionResult {
  const status: Status = ok === 'inconclusive' ? 'skipped' : ok ? 'passed' : 'failed';
  return { name, status, expected, observed, evidence: { counts: {}, sampleRequestIds: [], ...evidence } };
}

/** Up to five request ids, failing ones first. */
export function sampleIds(all: Observation[], failing: Observation[] = []): string[] {
  return [...new Set([...failing, ...all].map((o) => o.requestId))].slice(0, 5);
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) {
    const k = key(i);
    out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** min / median / max and the histogram of the probes' durations, for an assertion's evidence. */
export function latencyEvidence(obs: Observation[]): Pick<Evidence, 'latencyMs' | 'latencyHistogramMs'> {
  if (obs.length === 0) return {};
  return { latencyMs: latency(obs), latencyHistogramMs: latencyHistogram(obs.map((o) => o.durationMs)) };
}

export function latency(obs: Observation[]): Evidence['latencyMs'] {
  if (obs.length === 0) return undefined;
  const d = obs.map((o) => o.durationMs).sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { min: r(d[0]!), median: r(d[Math.floor(d.length / 2)]!), max: r(d[d.length - 1]!) };
}

/** One line per observation for evidence: `200 v2` / `503 FI` / `reset`. */
export function outcomeKey(o: Observation): string {
  if (o.error) return `no response (${o.error})`;
  const who = o.echo ? ` ${o.echo.service} ${o.echo.version}` : '';
  const flags = o.flags.length ? ` ${o.flags.join(',')}` : '';
  return `${o.status}${who}${flags}`;
}
