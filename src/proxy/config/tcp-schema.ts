/**
 * TCP listeners (Istio TCPRoute on Envoy's tcp_proxy): bytes from each accepted connection go to
 * one destination chosen by weight, for the connection's life.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/tcp_proxy_filter
 */
import { z } from 'zod';

const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');

export const tcpListenerSchema = z.strictObject({
  name: z.string().min(1).describe('Listener name (metrics, logs).'),
  host: z.string().min(1).default('127.0.0.1').describe('Bind address. @default 127.0.0.1'),
  port: z.number().int().min(0).max(65535).optional().describe('Listening port; absent: reached only through CONNECT on the outbound listener (`connectAuthorities`).'),
  connectAuthorities: z
    .array(z.string().min(1))
    .default([])
    .describe('`host:port` authorities whose HTTP CONNECT on the outbound listener opens a connection of this route (how an application with `HTTPS_PROXY`/`grpc_proxy` reaches TCP services). @default none'),
  destinations: z
    .array(
      z.strictObject({
        service: z.string().min(1).describe('Name of a service in `services`.'),
        subset: z.string().optional(),
        weight: z.number().int().min(0).default(100),
      }),
    )
    .min(1)
    .describe('Weighted destinations; one is chosen per connection. @see Istio TCPRoute.route'),
  maxConnections: z.number().int().min(1).optional().describe('Connections open at once; more are closed at once (flag UO). @see Istio tcp.maxConnections'),
  idleTimeoutMs: positiveMs.default(3_600_000).describe('Close both sides after this long without bytes in either direction. @default 3600000 (Envoy tcp_proxy 1h)'),
  connectTimeoutMs: positiveMs.default(10_000).describe('@default 10000 (Istio)'),
});

export type TcpListenerConfig = z.output<typeof tcpListenerSchema>;

/**
 * Inbound TCP listeners, one per TCP port of the workload's service: each accepted connection is
 * authenticated by the workload's mTLS mode (as the HTTP inbound listener), authorized at L4
 * (principals, namespaces, ipBlocks, ports; see security/l4-authorization.ts), then piped to the
 * application's port. Istio's sidecar does the same with an inbound tcp_proxy behind the RBAC
 * network filter.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/rbac_filter
 */
export const inboundTcpListenerSchema = z.strictObject({
  name: z.string().min(1).describe('Listener name (metrics, logs).'),
  host: z.string().min(1).default('0.0.0.0').describe('Bind address. @default 0.0.0.0'),
  port: z.number().int().min(0).max(65535).describe('Listening port (the Service targets it).'),
  app: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1').describe('@default 127.0.0.1'),
      port: z.number().int().min(1).max(65535).describe("The application's TCP port (the service port's targetPort): also the port authorization `ports` match."),
    })
    .describe('The application behind the sidecar.'),
  maxConnections: z.number().int().min(1).optional().describe('Connections open at once; more are closed at once (flag UO).'),
  idleTimeoutMs: positiveMs.default(3_600_000).describe('@default 3600000 (Envoy tcp_proxy 1h)'),
  connectTimeoutMs: positiveMs.default(10_000).describe('@default 10000'),
});

export type InboundTcpListenerConfig = z.output<typeof inboundTcpListenerSchema>;
