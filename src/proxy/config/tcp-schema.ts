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
  port: z.number().int().min(0).max(65535),
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
