/**
 * Where a subset's endpoints come from when they are not static: DNS (re-resolved on TTL) or
 * the Consul catalog (blocking queries). The static `endpoints` of the subset serve until the
 * first answer arrives; afterwards the last good answer serves through registry outages.
 */
import { z } from 'zod';

const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');

export const subsetDiscoverySchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('dns'),
      host: z.string().min(1).describe('Name whose A (or AAAA) records are the endpoints, e.g. a headless Service `reviews-v1.shop.svc.cluster.local`.'),
      port: z.number().int().min(1).max(65535),
      family: z.union([z.literal(4), z.literal(6), z.literal(0)]).default(4).describe('4 = A, 6 = AAAA, 0 = both. @default 4'),
      minRefreshMs: positiveMs.default(1_000).describe('Floor of the TTL-driven re-resolve interval and first retry after a failure. @default 1000'),
      maxRefreshMs: positiveMs.default(30_000).describe('Cap of the re-resolve interval and of the failure back-off. @default 30000'),
      timeoutMs: positiveMs.default(5_000).describe('Per-query timeout. @default 5000'),
    }),
    z.strictObject({
      type: z.literal('consul'),
      service: z.string().min(1).describe('Consul service name.'),
      tag: z.string().min(1).optional().describe('Only instances carrying this tag (e.g. the version).'),
    }),
  ])
  .describe('Dynamic endpoints of this subset.');

export const discoverySchema = z
  .strictObject({
    dnsServers: z.array(z.string().min(1)).optional().describe('DNS servers `ip[:port]` for dns discovery; absent = the system resolver configuration.'),
    consul: z
      .strictObject({
        address: z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL').describe('Consul agent HTTP API, e.g. http://127.0.0.1:8500 (the local agent).'),
        datacenter: z.string().min(1).optional(),
        waitMs: positiveMs.default(300_000).describe('Blocking query wait. @default 300000 (Consul default 5m)'),
        retryMs: positiveMs.default(1_000).describe('First retry after an error (doubles). @default 1000'),
        maxBackoffMs: positiveMs.default(30_000).describe('@default 30000'),
      })
      .optional(),
  })
  .describe('Service discovery sources.');

export type SubsetDiscoveryConfig = z.output<typeof subsetDiscoverySchema>;
export type DiscoveryConfig = z.output<typeof discoverySchema>;
