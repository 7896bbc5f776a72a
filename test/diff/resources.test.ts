import { describe, expect, it } from 'vitest';
import { changedFields, resourceChanges } from '../../src/diff/resources';
import { unifiedDiff } from '../../src/diff/line-diff';
import { renderMarkdown, renderText } from '../../src/diff/render';
import type { DiffReport } from '../../src/diff/diff';

const vs = (weight: number, timeout = '4s') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: order-service
  namespace: commerce
spec:
  http:
    - name: api
      route:
        - destination:
            host: order-service
            subset: v1
          weight: ${weight}
        - destination:
            host: order-service
            subset: v2
          weight: ${100 - weight}
      timeout: ${timeout}
`;

describe('weft diff, resource view', () => {
  it('names each changed leaf field with its before and after value', () => {
    expect(changedFields({ a: { b: [1, 2] }, c: 'x' }, { a: { b: [1, 3] }, d: true })).toEqual(['a.b[1]: 2 → 3', 'c: x → (none)', 'd: (none) → true']);
  });

  it('lists added, removed and changed files, each with a one-line summary, and skips equal ones', () => {
    const before = new Map([
      ['prod/istio/commerce/virtualservice-order-service.yaml', vs(90)],
      ['prod/istio/commerce/sidecar-default.yaml', 'kind: Sidecar\nmetadata:\n  name: default\n  namespace: commerce\n'],
      ['prod/kubernetes/_cluster/namespace-commerce.yaml', 'kind: Namespace\nmetadata:\n  name: commerce\n'],
    ]);
    const after = new Map([
      ['prod/istio/commerce/virtualservice-order-service.yaml', vs(80, '2s')],
      ['prod/kubernetes/_cluster/namespace-commerce.yaml', 'kind: Namespace\nmetadata:\n  name: commerce\n'],
      ['prod/weft/commerce/order-service-v1.json', '{"version":1}\n'],
    ]);
    expect(resourceChanges(before, after).map(({ change, path, resource, summary }) => ({ change, path, resource, summary }))).toEqual([
      { change: 'removed', path: 'prod/istio/commerce/sidecar-default.yaml', resource: 'Sidecar commerce/default', summary: 'removed' },
      {
        change: 'changed',
        path: 'prod/istio/commerce/virtualservice-order-service.yaml',
        resource: 'VirtualService commerce/order-service',
        summary: 'spec.http[0].route[0].weight: 90 → 80; spec.http[0].route[1].weight: 10 → 20; and 1 more',
      },
      { change: 'added', path: 'prod/weft/commerce/order-service-v1.json', resource: 'prod/weft/commerce/order-service-v1.json', summary: 'added' },
    ]);
  });

  it('a unified line diff with two lines of context and … between hunks', () => {
    // Removals before additions within a run of changed lines, as `diff -u` prints them.
    expect(unifiedDiff(vs(90), vs(80, '2s'))).toEqual([
      '              host: order-service',
      '              subset: v1',
      '-           weight: 90',
      '+           weight: 80',
      '          - destination:',
      '              host: order-service',
      '              subset: v2',
      '-           weight: 10',
      '-       timeout: 4s',
      '+           weight: 20',
      '+       timeout: 2s',
    ]);
    const long = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const edited = long.map((l, i) => (i === 2 || i === 17 ? `${l}!` : l));
    expect(unifiedDiff(long.join('\n'), edited.join('\n'))).toEqual([
      '  line 0', '  line 1', '- line 2', '+ line 2!', '  line 3', '  line 4', '…',
      '  line 15', '  line 16', '- line 17', '+ line 17!', '  line 18', '  line 19',
    ]);
  });

  it('renders "no changes", and Markdown with risky changes first', () => {
    const none: DiffReport = { before: 'HEAD (abc1234)', after: 'working tree', environments: [], notes: [], diagnostics: [], changed: false };
    expect(renderText(none)).toBe('weft diff: HEAD (abc1234) → working tree\n\nno changes\n');
    const report: DiffReport = {
      ...none,
      changed: true,
      environments: [
        {
          env: 'prod',
          status: 'changed',
          resources: [],
          traffic: [
            { section: 'routing', text: 'a.ns any request: timeout 1s → 2s' },
            { section: 'authorization', text: 'any other workload → a.ns GET /: denied → allowed', risk: 'opens authorization' },
          ],
        },
      ],
    };
    expect(renderMarkdown(report).split('\n').slice(0, 16)).toEqual([
      '## weft diff: `HEAD (abc1234)` → `working tree`',
      '',
      '**0 resources changed, 2 traffic changes, 1 risky**',
      '',
      '### Risky changes',
      '',
      '- :warning: **prod**: `any other workload → a.ns GET /: denied → allowed` — opens authorization',
      '',
      '### Environment `prod`',
      '',
      '**Routing**',
      '',
      '- `a.ns any request: timeout 1s → 2s`',
      '',
      '**Authorization**',
      '',
    ]);
  });
});
