import { describe, expect, it } from 'vitest';
import { buildGraph, drawGraph, layoutGraph } from '../../src/graph/index';
import { labelLines } from '../../src/graph/label-lines';
import { exampleModel } from './helpers';

describe('weft graph: model → graph', () => {
  it('has a node per service, version, gateway and external service', async () => {
    const g = buildGraph(await exampleModel());
    const ids = g.nodes.map((n) => n.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'service:storefront/springboot-app',
        'version:storefront/springboot-app/v1',
        'version:storefront/springboot-app/v2',
        'gateway:istio-system/public',
        'external:commerce/payments-api',
      ]),
    );
    expect(g.nodes.filter((n) => n.kind === 'service')).toHaveLength(9);
    expect(g.teams).toEqual(['storefront', 'commerce']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('labels route edges with their weights and call edges with the callee\'s policies', async () => {
    const g = buildGraph(await exampleModel());
    const edge = (source: string, target: string) => g.edges.find((e) => e.source === source && e.target === target)!;
    // canary 20/80 and the jason header route, both to v2.
    expect(edge('service:storefront/springboot-app', 'version:storefront/springboot-app/v1').label).toBe('canary 20%');
    expect(edge('service:storefront/springboot-app', 'version:storefront/springboot-app/v2').label).toBe('jason · canary 80%');
    expect(edge('service:storefront/springboot-app', 'version:storefront/springboot-app/v2').details).toContain('route jason: header end-user exact jason');
    const call = edge('service:storefront/golang-app-gateway', 'service:storefront/springboot-app');
    expect(call.kind).toBe('call');
    expect(call.label).toBe('timeout 2s · retries 3× · breaker · mTLS strict · authz allow (declared)');
    expect(call.details).toContain('retries 3×/500ms on 5xx,reset,connect-failure');
    expect(call.details).toContain('breaker 5×5xx, max 100 conn, max 50 pending, max 200 req');
    expect(edge('service:commerce/user-service', 'service:commerce/order-service').label).toContain('limit 100/1s');
    expect(edge('gateway:istio-system/public', 'service:commerce/user-service').label).toBe('users');
    expect(edge('service:commerce/data-service', 'external:commerce/payments-api').kind).toBe('external-call');
    const api = edge('service:commerce/order-service', 'version:commerce/order-service/v1');
    expect(api.details).toEqual(expect.arrayContaining(['route api: timeout 4s', 'route api: limit 20/1s burst 40']));
  });

  it('wraps long edge labels at policy boundaries', () => {
    expect(labelLines('timeout 2s · retries 3× · breaker · mTLS strict · authz allow (declared)')).toEqual(['timeout 2s · retries 3× · breaker', 'mTLS strict', 'authz allow (declared)']);
  });

  it('lays the graph out with ELK: every node and edge placed, callers left of callees', async () => {
    const laid = await layoutGraph(buildGraph(await exampleModel()));
    for (const n of laid.nodes) expect(laid.nodeBoxes[n.id]!.width).toBeGreaterThan(0);
    for (const e of laid.edges) expect(laid.edgePaths[e.id]!.points.length).toBeGreaterThanOrEqual(2);
    expect(laid.nodeBoxes['gateway:istio-system/public']!.x).toBeLessThan(laid.nodeBoxes['service:storefront/golang-app-gateway']!.x);
    expect(laid.nodeBoxes['service:storefront/golang-app-gateway']!.x).toBeLessThan(laid.nodeBoxes['service:storefront/springboot-app']!.x);
  });

  it('renders every format deterministically', async () => {
    const model = await exampleModel();
    for (const format of ['svg', 'html', 'mermaid', 'dot'] as const) {
      expect(await drawGraph(model, format)).toBe(await drawGraph(await exampleModel(), format));
    }
  });

  it('renders Mermaid and DOT with the same nodes and labels', async () => {
    const model = await exampleModel();
    const mermaid = await drawGraph(model, 'mermaid');
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid).toContain('subgraph team_0["team storefront"]');
    expect(mermaid).toMatch(/n\d+\{\{"public"\}\}:::gateway/);
    expect(mermaid).toMatch(/ -\.->\|"jason · canary 80%"\| /);
    const dot = await drawGraph(model, 'dot');
    expect(dot).toContain('"service:storefront/springboot-app" -> "version:storefront/springboot-app/v2" [label="jason · canary 80%"');
    expect(dot).toContain('subgraph "cluster_commerce" {');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('escapes user text in SVG', async () => {
    const model = await exampleModel();
    const svg = await drawGraph({ ...model, name: 'a<b>&"c' }, 'svg');
    expect(svg).toContain('aria-label="a&lt;b&gt;&amp;&quot;c (prod: istio)"');
  });
});
