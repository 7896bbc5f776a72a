/**
 * Security checks, sent straight to a receiving instance's inbound listener: mTLS (plaintext
 * refused under STRICT, served otherwise; mTLS with a declared caller served), the
 * authorization matrix (each cell with the caller's own certificate: 403 where the model denies,
 * the echo where it allows), and the JWT cases (valid, expired, not yet valid, wrong issuer,
 * wrong audience, bad signature, `alg: none`, missing).
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec, JwtCaseKind } from '../../plan/types';
import { assertion, outcomeKey, withToken, type CheckContext } from '../context';
import type { Observation } from '../observation';

type Mtls = Extract<CheckSpec, { type: 'mtls' }>;
type Authz = Extract<CheckSpec, { type: 'authorization' }>;
type Jwt = Extract<CheckSpec, { type: 'jwt' }>;

const served = (o: Observation) => o.status >= 200 && o.status < 300 && o.echo !== undefined;

export async function runMtls(ctx: CheckContext, spec: Mtls): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  const plain = await ctx.send(spec.request, { direct: {} });
  // Refused means no HTTP answer at all: a 403 would mean the plaintext request was accepted and
  // then denied by authorization (deny-by-default), which a PERMISSIVE listener also does.
  const refused = plain.error !== undefined && plain.status === 0;
  out.push(
    assertion(
      'plaintext',
      spec.mode === 'strict' ? refused : !refused,
      spec.mode === 'strict' ? 'refused (no answer from the service)' : 'served',
      plain.error ? `connection ${plain.error}` : outcomeKey(plain),
      { requests: 1, counts: { [outcomeKey(plain)]: 1 }, sampleRequestIds: [plain.requestId] },
    ),
  );
  if (spec.control && spec.mode !== 'disable') {
    const tls = await ctx.send(spec.request, { direct: { identity: spec.control } });
    out.push(assertion(`mTLS as ${spec.control.name}`, served(tls), 'served', outcomeKey(tls), { requests: 1, counts: { [outcomeKey(tls)]: 1 }, sampleRequestIds: [tls.requestId] }));
  }
  return out;
}

/**
 * One assertion per cell (`<caller> <METHOD> <path>`), so that the JUnit report lists every
 * cell and the report page draws the matrix as a grid (src/report/sections/authz.ts).
 */
export async function runAuthorization(ctx: CheckContext, spec: Authz): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  for (const cell of spec.cells) {
    const o = await ctx.send(cell.request, { direct: { identity: cell.caller }, claims: cell.claims ?? undefined, resendRateLimited: true });
    const ok = cell.allowed ? served(o) : o.status === 403;
    out.push(assertion(cell.name, ok, `${cell.allowed ? 'served' : '403'} (${cell.because})`, outcomeKey(o), { requests: 1, counts: { [outcomeKey(o)]: 1 }, sampleRequestIds: [o.requestId] }));
  }
  return out;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function tokenFor(ctx: CheckContext, kind: JwtCaseKind): Promise<string | undefined> {
  const spec = ctx.check.via.token!;
  const sign = ctx.signer!;
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: spec.issuer, ...(spec.audience ? { aud: spec.audience } : {}) };
  switch (kind) {
    case 'valid':
      return sign(base);
    case 'expired':
      return sign({ ...base, iat: now - 7200, exp: now - 3600 });
    case 'not-yet-valid':
      return sign({ ...base, nbf: now + 3600 });
    case 'wrong-issuer':
      return sign({ ...base, iss: `${spec.issuer}.weft-wrong` });
    case 'wrong-audience':
      return sign({ ...base, aud: 'weft-wrong-audience' });
    case 'bad-signature': {
      const t = await sign(base);
      const last = t.at(-2) === 'A' ? 'B' : 'A';
      return `${t.slice(0, -2)}${last}${t.at(-1)}`;
    }
    case 'alg-none':
      return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...base, sub: 'weft-verify', exp: now + 3600 })}.`;
    case 'missing':
      return undefined;
  }
}

export async function runJwt(ctx: CheckContext, spec: Jwt): Promise<AssertionResult[]> {
  if (!ctx.signer || !ctx.check.via.token) {
    return [assertion('tokens', false, 'a local signing key', 'this mode cannot sign tokens (the local mesh replaces the JWKS)', { requests: 0 })];
  }
  const out: AssertionResult[] = [];
  for (const c of spec.cases) {
    const token = await tokenFor(ctx, c.kind);
    const request = token === undefined ? spec.request : withToken(spec.request, ctx.check.via.token, token);
    const o = await ctx.send(request, { direct: { identity: spec.caller }, claims: null });
    const ok = c.accepted ? served(o) : o.status === 401;
    out.push(assertion(`${c.kind} token`, ok, c.accepted ? 'served' : '401', outcomeKey(o), { requests: 1, counts: { [outcomeKey(o)]: 1 }, sampleRequestIds: [o.requestId] }));
  }
  return out;
}
