import { describe, expect, it } from 'vitest';
import { isSchemaChecked, loadedValidators, schemaCheck, schemaCheckedKinds } from '../../src/synth/schema-check';
import type { Manifest } from '../../src/targets/target';

const meta = (name: string, namespace = 'ns') => ({ name, namespace });

const valid: Manifest[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
  { apiVersion: 'v1', kind: 'Service', metadata: meta('svc'), spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('app-v1'),
    spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'x/a:1' }] } } },
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('a'), spec: { minAvailable: 1, selector: { matchLabels: { app: 'a' } } } },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('a'), spec: { hosts: ['a'], http: [{ timeout: '2s', route: [{ destination: { host: 'a' } }] }] } },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta('a'), spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/ns/sa/b'] } }] }] } },
  { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: meta('a'), spec: { tracing: [{ randomSamplingPercentage: 10 }] } },
  { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: meta('a'), spec: { configPatches: [] } },
];

describe('schemaCheck', () => {
  // First in the file: nothing has been checked in this module instance yet.
  it('loads the validator of a kind only when an object of that kind is checked', () => {
    expect(loadedValidators()).toEqual([]);
    schemaCheck([valid[0]!, valid[2]!], 'dev');
    expect(loadedValidators()).toEqual(['apps/v1/Deployment', 'v1/Namespace']);
    schemaCheck([valid[4]!], 'prod');
    expect(loadedValidators()).toEqual(['apps/v1/Deployment', 'networking.istio.io/v1/VirtualService', 'v1/Namespace']);
  });

  it('maps every kind it knows to the kubernetes-models class of that kind', () => {
    const twins: Record<string, string> = { 'networking.istio.io/v1': 'networking.istio.io/v1beta1', 'security.istio.io/v1': 'security.istio.io/v1beta1', 'telemetry.istio.io/v1': 'telemetry.istio.io/v1alpha1' };
    const kinds = schemaCheckedKinds();
    expect(kinds.length).toBeGreaterThan(40);
    // An object with no metadata fails every schema: each kind's class is found and runs.
    for (const key of kinds) {
      const kind = key.slice(key.lastIndexOf('/') + 1);
      const apiVersion = key.slice(0, key.lastIndexOf('/'));
      const r = schemaCheck([{ apiVersion, kind, metadata: { name: 7 } } as unknown as Manifest], 'dev');
      expect(r.unchecked, key).toEqual([]);
      expect(r.diagnostics.map((d) => d.code), key).toEqual(['WEFT690']);
      expect(r.diagnostics[0]!.message, key).toContain(`(environment "dev", ${apiVersion})`);
    }
    expect(loadedValidators()).toEqual(kinds);
    expect(Object.keys(twins).every((t) => kinds.some((k) => k.startsWith(`${t}/`)))).toBe(true);
  });

  it('accepts valid objects of several kinds and groups', () => {
    const r = schemaCheck(valid, 'dev');
    expect(r.diagnostics).toEqual([]);
    expect(r.unchecked).toEqual([]);
  });

  it('reports WEFT690 per invalid object with kind, name, environment and the validator message', () => {
    const invalid: Manifest[] = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('bad'), spec: { replicas: 'two', selector: {}, template: { spec: { containers: [{ name: 'a' }] } } } },
      { apiVersion: 'v1', kind: 'Service', metadata: meta('bad-svc'), spec: { ports: [{ port: 'eighty' }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('bad-vs'), spec: { hosts: 'a', http: [{ timeout: 2 }] } },
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: meta('bad-pa'), spec: { mtls: { mode: 7 } } },
    ];
    const r = schemaCheck([...valid, ...invalid], 'prod');
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual(Array(4).fill(['WEFT690', 'error']));
    const [dep, svc, vs, pa] = r.diagnostics;
    expect(dep!.message).toContain('Deployment ns/bad (environment "prod", apps/v1)');
    expect(dep!.message).toContain('/spec/replicas must be integer');
    expect(svc!.message).toContain('Service ns/bad-svc');
    expect(vs!.message).toContain('/spec/hosts must be array');
    expect(vs!.message).toContain('/spec/http/0/timeout must be string');
    expect(pa!.message).toContain('PeerAuthentication ns/bad-pa');
    expect(dep!.path).toBe('prod/apps/v1/Deployment/ns/bad');
  });

  // The quick check validates the manifest itself (a served twin's gets a copy with its class's
  // apiVersion), not a copy made per object: these pin that it still rejects what it must, for
  // each kind of class, and that it never writes to what it checks.
  it('judges each manifest in place: frozen valid objects pass, frozen invalid ones fail, for both kinds of class and for a served twin', () => {
    const deepFreeze = <T>(value: T): T => {
      if (value && typeof value === 'object') for (const v of Object.values(value)) deepFreeze(v);
      return Object.freeze(value);
    };
    const frozenValid = valid.map((m) => deepFreeze(structuredClone(m)));
    expect(schemaCheck(frozenValid, 'dev').diagnostics).toEqual([]);
    const invalid: Manifest[] = [
      // kubernetes-models 4: the class's own `validate` runs its ajv function on `this`.
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('bad'), spec: { replicas: 'two', selector: {}, template: {} } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('bad-cm'), data: { a: 1 } },
      // @kubernetes-models/istio 2.x from the sources: `validate` is inherited and finds its schema id on the prototype.
      { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: meta('bad-vs'), spec: { hosts: 'a' } },
      // A served twin, validated by its older version's class.
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta('bad-dr'), spec: { host: 7 } },
    ].map((m) => deepFreeze(m as Manifest));
    const r = schemaCheck(invalid, 'dev');
    expect(r.diagnostics.map((d) => d.message.slice(0, d.message.indexOf(' fails its schema')))).toEqual([
      'Deployment ns/bad (environment "dev", apps/v1)',
      'ConfigMap ns/bad-cm (environment "dev", v1)',
      'VirtualService ns/bad-vs (environment "dev", networking.istio.io/v1beta1)',
      'DestinationRule ns/bad-dr (environment "dev", networking.istio.io/v1)',
    ]);
    expect(r.diagnostics[0]!.message).toContain('/spec/replicas must be integer');
    expect(r.diagnostics[1]!.message).toContain('/data/a must be string');
    expect(r.diagnostics[2]!.message).toContain('/spec/hosts must be array');
    expect(r.diagnostics[3]!.message).toContain('/spec/host must be string');
  });

  it('takes a kind whose apiVersion and kind only concatenate to a known key as unchecked', () => {
    const odd = { apiVersion: 'apps', kind: 'v1/Deployment', metadata: meta('odd') } as Manifest;
    expect(schemaCheck([odd], 'dev').unchecked).toEqual([odd]);
  });

  it('returns kinds it has no schema for as unchecked, without reporting them', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: meta('w', 'ns'), spec: {} };
    const r = schemaCheck([widget, valid[0]!], 'dev');
    expect(r.diagnostics).toEqual([]);
    expect(r.unchecked).toEqual([widget]);
    expect(isSchemaChecked('example.com/v1', 'Widget')).toBe(false);
    expect(isSchemaChecked('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe(true);
    expect(isSchemaChecked('networking.istio.io/v1', 'DestinationRule')).toBe(true);
  });

  it('checks the Argo CD kinds the argocd target writes (@kubernetes-models/argo-cd)', () => {
    for (const kind of ['AppProject', 'Application', 'ApplicationSet']) expect(isSchemaChecked('argoproj.io/v1alpha1', kind)).toBe(true);
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: meta('shop', 'argocd'), spec: {} };
    const r = schemaCheck([app], 'dev');
    expect(r.unchecked).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['WEFT690', expect.stringMatching(/^Application argocd\/shop \(environment "dev", argoproj\.io\/v1alpha1\) fails its schema: .*required property destination/)],
    ]);
  });
});
