import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze/index';
import { RULES } from '../../src/analyze/rules/index';
import { PIPELINE_CODES } from '../../src/synth/codes';
import { codeRegistry } from '../../src/synth/registry';
import type { Rule, RuleContext } from '../../src/analyze/rule';
import { ModelIndex } from '../../src/model/query';
import type { MeshModel } from '../../src/model/mesh';
import { duration } from '../../src/index';
import { modelOf, newMesh, v1 } from './helpers';

/** A mesh with at least one problem for most rules. */
function brokenModel(): MeshModel {
  const mesh = newMesh({ security: { mtls: 'disable', authorization: 'deny-by-default' } });
  const t = mesh.team('storefront');
  const legacy = t.service('legacy', { port: 8080, versions: { v1: { image: 'example/legacy' } }, disruptionBudget: { minAvailable: 1 } });
  const app = t.service('app', {
    ports: [{ port: 8080, name: 'grpc-web' }],
    versions: v1,
    resilience: { timeout: duration.seconds(1), retries: { attempts: 3, perTryTimeout: '500ms', on: ['5XX'] }, circuitBreaker: { maxConnections: 10 } },
  });
  const front = t.service('front', { port: 8080, versions: v1, calls: [app] });
  app.addCalls(front);
  app.route('all', { to: app.version('v3') });
  app.route('api', { match: { path: { prefix: '/api' } }, to: [app.weight(50), legacy.weight(40)] });
  app.allow('front', { from: { services: [front], jwtClaims: { scope: 'x' }, namespaces: ['nowhere'] } });
  app.slo('latency', { latency: { threshold: '5s', percent: 99 } });
  t.externalService('db', { hosts: ['db.internal'], resolution: 'static' });
  mesh.gateway('public', { hosts: ['shop.example.com'] });
  return modelOf(mesh);
}

describe('analyze', () => {
  it('reports every problem at once, sorted by location', () => {
    const diags = analyze(brokenModel());
    const codes = new Set(diags.map((d) => d.code));
    for (const c of ['WEFT104', 'WEFT120', 'WEFT121', 'WEFT201', 'WEFT204', 'WEFT205', 'WEFT206', 'WEFT301', 'WEFT302', 'WEFT303', 'WEFT305', 'WEFT401', 'WEFT402', 'WEFT403', 'WEFT501', 'WEFT502', 'WEFT503'])
      expect(codes, c).toContain(c);
    const lines = diags.map((d) => d.location?.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('gives the same diagnostics for the same model (deterministic)', () => {
    expect(analyze(brokenModel())).toEqual(analyze(brokenModel()));
  });

  it('never throws on unusual models', () => {
    const model = brokenModel();
    const empty: MeshModel = { ...model, teams: [], services: [], gateways: [], externalServices: [] };
    expect(analyze(empty)).toEqual([]);
    // A dangling reference in every place a rule looks.
    const ghost = { namespace: 'nowhere', name: 'ghost' };
    const svc = model.services[0]!;
    const weird: MeshModel = {
      ...model,
      services: [
        {
          ...svc,
          versions: [],
          ports: [{ name: '', port: 1, targetPort: 1, protocol: 'http' }],
          calls: [{ ...svc.calls[0]!, path: svc.path, location: svc.location, target: { kind: 'service', service: ghost } }],
          routes: [{ ...model.services[1]!.routes[0]!, hosts: ['*'], match: [{ path: { regex: '([' } }], action: { kind: 'forward', destinations: [{ service: ghost, version: 'v9', port: 9, weight: 0 }] } }],
        },
      ],
    };
    expect(() => analyze(weird)).not.toThrow();
  });
});

describe('rules', () => {
  it('have unique ids and declare codes in their category ranges, never pipeline or target codes', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES)
      for (const code of Object.keys(rule.codes)) {
        // Consul's rules have their own range (WEFT720–WEFT739, docs/diagnostics.md).
        // Degradation has its own range (WEFT840–WEFT859, docs/degradation.md).
        expect(code, rule.id).toMatch(rule.id.startsWith('consul-') ? /^WEFT7[23]\d$/ : rule.id === 'degradation' ? /^WEFT8[45]\d$/ : /^WEFT[1-5]\d\d$/);
        expect(PIPELINE_CODES).not.toHaveProperty(code);
      }
    expect(() => codeRegistry().entries()).not.toThrow();
  });

  it('report only their own codes', () => {
    const model = brokenModel();
    const seen = new Map<string, string>();
    for (const rule of RULES) {
      const ctx: RuleContext = {
        model,
        index: new ModelIndex(model),
        report(code) {
          expect(Object.keys(rule.codes), `${rule.id} reported ${code}`).toContain(code);
          seen.set(code, rule.id);
        },
      };
      (rule as Rule).check(ctx);
    }
    expect(seen.size).toBeGreaterThan(10);
  });
});
