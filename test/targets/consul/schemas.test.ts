import { describe, expect, it } from 'vitest';
import { configEntryIssues } from '../../../src/targets/consul/schemas/config-entry';
import { serviceDefinitionIssues } from '../../../src/targets/consul/schemas/service-definition';
import { gatewayApiIssues } from '../../../src/targets/consul/schemas/gateway-api';

/**
 * Weft's own schemas must accept the examples of Consul's reference and reject near misses, or
 * the validation of every emitted entry (helpers.ts `expectValid`, WEFT708) could not fail.
 */
describe('config entry schemas', () => {
  it('accept the shapes of Consul\'s reference examples', () => {
    expect(configEntryIssues({ Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { Service: 'admin' } }] })).toEqual([]);
    expect(configEntryIssues({ Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] })).toEqual([]);
    expect(configEntryIssues({ Kind: 'service-resolver', Name: 'web', DefaultSubset: 'v1', Subsets: { v1: { Filter: 'Service.Meta.version == v1' } } })).toEqual([]);
    expect(configEntryIssues({ Kind: 'service-intentions', Name: 'db', Sources: [{ Name: 'web', Action: 'allow' }] })).toEqual([]);
    expect(configEntryIssues({ Kind: 'proxy-defaults', Name: 'global', Config: { envoy_prometheus_bind_addr: '0.0.0.0:9102' } })).toEqual([]);
  });
  it('reject near misses: CRD (camelCase) field names, weights not summing to 100, an undefined default subset, Action with Permissions, bad durations, an unknown kind', () => {
    expect(configEntryIssues({ Kind: 'service-router', Name: 'web', Routes: [{ match: { http: { pathPrefix: '/' } }, Destination: {} }] })).not.toEqual([]);
    expect(configEntryIssues({ Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 20, ServiceSubset: 'v2' }] })).not.toEqual([]);
    expect(configEntryIssues({ Kind: 'service-resolver', Name: 'web', DefaultSubset: 'v3', Subsets: { v1: { Filter: 'x' } } })).not.toEqual([]);
    expect(configEntryIssues({ Kind: 'service-intentions', Name: 'db', Sources: [{ Name: 'web', Action: 'allow', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/' } }] }] })).not.toEqual([]);
    expect(configEntryIssues({ Kind: 'service-router', Name: 'web', Routes: [{ Destination: { RequestTimeout: '2 seconds' } }] })).not.toEqual([]);
    expect(configEntryIssues({ Kind: 'service-router', Name: 'web', Routes: [{ Destination: { RetryOn: ['reset-before-request'] } }] })).not.toEqual([]);
    expect(configEntryIssues({ Kind: 'ingress-gateway', Name: 'x' })).toEqual(['unknown config entry Kind "ingress-gateway"']);
  });
});

describe('service definition schema', () => {
  const ok = { service: { name: 'web', id: 'web-v1', port: 8080, meta: { version: 'v1' }, checks: [{ id: 'c', name: 'c', http: 'http://localhost:8080/health', interval: '10s', timeout: '1s', deregister_critical_service_after: '10m' }], connect: { sidecar_service: { proxy: { upstreams: [{ destination_name: 'db', local_bind_port: 21000 }] } } } } };
  it('accepts a definition with a check and an upstream', () => {
    expect(serviceDefinitionIssues(ok)).toEqual([]);
  });
  it('rejects PascalCase API fields in a definition file, a check without interval, and two upstreams on one port', () => {
    expect(serviceDefinitionIssues({ service: { ...ok.service, Name: 'web' } })).not.toEqual([]);
    const { interval: _, ...noInterval } = ok.service.checks[0]!;
    expect(serviceDefinitionIssues({ service: { ...ok.service, checks: [noInterval] } })).not.toEqual([]);
    const dup = { upstreams: [{ destination_name: 'a', local_bind_port: 21000 }, { destination_name: 'b', local_bind_port: 21000 }] };
    expect(serviceDefinitionIssues({ service: { ...ok.service, connect: { sidecar_service: { proxy: dup } } } })).not.toEqual([]);
  });
});

describe('Gateway API schemas', () => {
  const meta = { name: 'edge', namespace: 'ingress' };
  it('accepts a Gateway with an HTTPS listener and rejects one without its TLS settings', () => {
    const listener = { name: 'shop', hostname: 'shop.example.com', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'tls' }] } };
    const gw = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: meta, spec: { gatewayClassName: 'consul', listeners: [listener] } };
    expect(gatewayApiIssues(gw)).toEqual([]);
    const { tls: _, ...bare } = listener;
    expect(gatewayApiIssues({ ...gw, spec: { gatewayClassName: 'consul', listeners: [bare] } })).not.toEqual([]);
  });
  it('rejects an HTTPRoute match type the Gateway API does not define', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta, spec: { parentRefs: [{ name: 'edge' }], rules: [{ matches: [{ path: { type: 'Prefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }] } };
    expect(gatewayApiIssues(route)).not.toEqual([]);
    route.spec.rules[0]!.matches[0]!.path.type = 'PathPrefix';
    expect(gatewayApiIssues(route)).toEqual([]);
  });
});
