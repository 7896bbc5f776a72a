import type { CodeInfo } from '../../diagnostics/codes';

/**
 * Codes the Consul target reports (WEFT700–WEFT719; the Consul analyzer rules in
 * src/analyze/rules/consul-*.ts use WEFT720–WEFT739). Every feature of the model that Consul
 * cannot express is reported here, naming the feature and the target, never dropped silently
 * (docs/targets.md lists them).
 */
export const CONSUL_CODES = {
  WEFT700: { severity: 'warning', title: 'traffic feature not expressible in Consul' },
  WEFT701: { severity: 'warning', title: 'resilience setting not expressible in Consul' },
  WEFT702: { severity: 'warning', title: 'observability setting not expressible in Consul' },
  WEFT703: { severity: 'error', title: 'authorization rule Consul intentions cannot enforce' },
  WEFT704: { severity: 'warning', title: 'gateway feature not expressible in the Consul API gateway' },
  WEFT705: { severity: 'warning', title: 'mutual TLS mode not expressible in Consul' },
  WEFT706: { severity: 'warning', title: 'startup probe not expressible as a Consul agent check' },
  WEFT707: { severity: 'info', title: 'feature needs Consul Enterprise' },
  WEFT708: { severity: 'error', title: 'emitted Consul object fails its schema' },
  WEFT709: { severity: 'warning', title: 'ServiceAccount name differs from the Consul service name' },
} as const satisfies Record<string, CodeInfo>;

export type ConsulCode = keyof typeof CONSUL_CODES;
