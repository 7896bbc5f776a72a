import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseOptions, UsageError } from '../args';
import { formatDiagnostic } from '../format';

const usage = `usage: weft verify [--env E] [--local | --target URL [--target-cert F --target-key F] [--target-ca F]]
                   [--dist DIR] [--only PATTERN] [--plan] [--report junit.xml] [--json F] [--html F]
                   [--seed N] [--config mesh.config.ts]

Proves with synthetic traffic that a running mesh does what mesh.config.ts declares. The plan
is derived from the model: routes (positive, near-miss, default), splits and fault rates (exact
binomial tests, Holm-corrected), retries, timeouts, mirrors, rate limits, breakers, load
balancing. See docs/verify.md.

  --env E          environment (default: the first whose mesh is weft)
  --local          start the local mesh (echo + Weft proxy per instance) from dist/ (default)
  --target URL     a cluster running the verification overlay dist/verify/<env>/: the base URL
                   of its ingress gateway (e.g. after kubectl port-forward); probes go through
                   the gateway and each caller's probe client (docs/verify.md, cluster mode)
  --target-cert F  with --target https://…: the client certificate (PEM) to present to a MUTUAL
  --target-key F   gateway, and its key; without them a MUTUAL gateway is not verified
  --target-ca F    with --target https://…: the CA (PEM) of the gateway's server certificate
                   (default: Node's bundled roots)
  --dist DIR       compiled manifests the local mesh runs (default: dist); the plan still
                   comes from mesh.config.ts, so a stale or hand-edited dist/ fails
  --only PATTERN   only checks whose id contains PATTERN (or matches /regex/)
  --plan           print the plan (checks, planned probes, what is not verified) and exit
  --report F       write JUnit XML with the evidence of every assertion
  --json F         write the JSON report (docs/verify.md describes it)
  --html F         write the report as one self-contained HTML page (docs/observability.md)
  --seed N         seed of the verifier's choices (request ids); default 1

Exit codes: 0 every check passed, 1 a check failed or the input has errors, 2 usage,
3 internal error. Failures name the declaration (mesh.config.ts:line) they verify.`;

export const command: Command = {
  name: 'verify',
  summary: 'drive synthetic traffic through a mesh and check every declared behaviour',
  usage,
  async run(args) {
    const values = parseOptions(
      command,
      args,
      {
        config: { type: 'string', default: 'mesh.config.ts' },
        env: { type: 'string' },
        local: { type: 'boolean', default: false },
        target: { type: 'string' },
        'target-cert': { type: 'string' },
        'target-key': { type: 'string' },
        'target-ca': { type: 'string' },
        dist: { type: 'string', default: 'dist' },
        only: { type: 'string' },
        plan: { type: 'boolean', default: false },
        report: { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        seed: { type: 'string', default: '1' },
      },
      (v) => {
        if (!/^\d+$/.test(v.seed!)) throw new UsageError(`--seed takes a non-negative integer, not "${v.seed}"`);
        if (v.local && v.target) throw new UsageError('--local and --target exclude each other');
        if ((v['target-cert'] === undefined) !== (v['target-key'] === undefined)) throw new UsageError('--target-cert and --target-key go together (a client certificate and its key)');
        const tls = ['target-cert', 'target-key', 'target-ca'].find((k) => v[k as 'target-ca'] !== undefined);
        if (tls && !v.target?.startsWith('https://')) throw new UsageError(`--${tls} applies to an https target: --target https://host:port`);
      },
    );
    if (!values) return ExitCode.usage;
    if (values.target !== undefined && !/^https?:\/\/[^/]/.test(values.target)) {
      // A kube context would need the Kubernetes API (to find and port-forward the gateway): not done.
      process.stderr.write(`weft verify: --target takes the gateway's URL (http://host:port), not "${values.target}"; for a kube context, forward the gateway first: kubectl --context CTX -n istio-system port-forward svc/istio-ingressgateway 8080:80, then --target http://127.0.0.1:8080\n`);
      return ExitCode.usage;
    }
    const cwd = process.cwd();
    const { verify } = await import('../../verify/verify');
    const { planText } = await import('../../verify/output/plan-text');
    const { LocalMeshError } = await import('../../local/errors');
    const { VerifyTargetError } = await import('../../verify/errors');
    const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    try {
      const outcome = await verify({
        configPath: resolve(cwd, values.config!),
        env: values.env,
        distDir: resolve(cwd, values.dist!),
        only: values.only,
        seed: Number(values.seed),
        planOnly: values.plan,
        json: values.json && resolve(cwd, values.json),
        junit: values.report && resolve(cwd, values.report),
        target: values.target,
        targetTls: {
          ...(values['target-ca'] !== undefined ? { caFile: resolve(cwd, values['target-ca']) } : {}),
          ...(values['target-cert'] !== undefined ? { certFile: resolve(cwd, values['target-cert']) } : {}),
          ...(values['target-key'] !== undefined ? { keyFile: resolve(cwd, values['target-key']) } : {}),
        },
      });
      const errors = outcome.diagnostics.filter((d) => d.severity === 'error');
      for (const d of errors) process.stderr.write(`${formatDiagnostic(d, { cwd, color })}\n\n`);
      if (outcome.plan && values.plan) process.stdout.write(planText(outcome.plan));
      for (const d of outcome.diagnostics.filter((x) => x.severity === 'warning')) {
        process.stderr.write(`${d.location ? `${d.location.file}:${d.location.line}:${d.location.column}` : d.path} warning ${d.code} ${d.message}\n`);
      }
      const r = outcome.report;
      if (r && values.html) {
        const { renderReportHtml } = await import('../../report/index');
        writeFileSync(resolve(cwd, values.html), renderReportHtml(r));
      }
      if (r) {
        const s = r.summary;
        process.stdout.write(`\nweft verify ${r.mesh}/${r.environment}: ${s.passed}/${s.checks} checks passed, ${s.failed} failed, ${s.skipped} inconclusive, ${s.probes} probes in ${(r.durationMs / 1000).toFixed(1)} s (seed ${r.seed}); ${s.notVerified} declared behaviour(s) not verified\n`);
        for (const c of r.checks.filter((x) => x.status === 'failed')) {
          for (const a of c.assertions.filter((x) => x.status === 'failed')) {
            process.stdout.write(`  FAILED ${c.declaration.file}:${c.declaration.line} ${c.id} › ${a.name}: expected ${a.expected}; observed ${a.observed}\n`);
          }
        }
      }
      return outcome.exitCode === 0 ? ExitCode.ok : ExitCode.userError;
    } catch (error) {
      if (error instanceof LocalMeshError || error instanceof VerifyTargetError) {
        process.stderr.write(`weft verify: ${error.code}: ${error.message}\n`);
        return ExitCode.userError;
      }
      throw error;
    }
  },
};
