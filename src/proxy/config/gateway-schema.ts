/**
 * Gateway servers: the listeners of a Weft proxy running as an ingress gateway (Istio's
 * `Gateway.servers`). Each server listens on its own port, serves only its `hosts`, optionally
 * terminates TLS with certificate files mounted from a Kubernetes TLS Secret (what Istio's
 * `credentialName` names, and what an Envoy SDS secret carries), and hands each request to the
 * config's `routes` — the gateway's routes, with the routes of the services behind them
 * already merged in by the compiler.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
import { z } from 'zod';

const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');

/** Server certificate files in the layout of a `kubernetes.io/tls` Secret volume (`ca.crt` for MUTUAL). */
export const serverCertificateFilesSchema = z
  .strictObject({
    certFile: z.string().min(1).describe('PEM certificate chain served to clients (Secret key `tls.crt`).'),
    keyFile: z.string().min(1).describe('PEM private key (Secret key `tls.key`).'),
    caFile: z.string().min(1).optional().describe('PEM bundle that client certificates are verified against (Secret key `ca.crt`); required for MUTUAL.'),
    pollIntervalMs: positiveMs.default(1000).describe('How often the files are checked for a renewed certificate. @default 1000'),
  })
  .describe('Server certificate; a renewed set applies to new handshakes without a restart.');

export const gatewayServerSchema = z
  .strictObject({
    name: z.string().min(1).describe('Server name (metrics, logs, `ports.gateway`).'),
    host: z.string().min(1).default('0.0.0.0').describe('Bind address. @default 0.0.0.0'),
    port: z.number().int().min(0).max(65535).describe('TCP port; 0 picks a free port (tests). @see Istio Server.port'),
    hosts: z
      .array(z.string().min(1))
      .min(1)
      .describe('Hosts this server answers for: exact (`shop.example.com`), wildcard prefix (`*.example.com`) or `*`; others get 404 NR. @see Istio Server.hosts'),
    tls: z
      .strictObject({
        mode: z.enum(['SIMPLE', 'MUTUAL']).describe('SIMPLE: server TLS; MUTUAL: clients must present a certificate that chains to caFile. @see Istio ServerTLSSettings.TLSmode'),
        files: serverCertificateFilesSchema,
      })
      .optional()
      .describe('Terminate TLS (HTTPS); absent: plain HTTP.'),
    httpsRedirect: z
      .boolean()
      .default(false)
      .describe('Answer every request with 301 to the same host and path over https. @default false @see Istio ServerTLSSettings.httpsRedirect'),
    http2: z.boolean().default(true).describe('Accept HTTP/2: h2 by ALPN with TLS, h2c with prior knowledge without. @default true'),
  })
  .describe('One listener of an ingress gateway.');

export type GatewayServerConfig = z.output<typeof gatewayServerSchema>;
export type ServerCertificateFiles = z.output<typeof serverCertificateFilesSchema>;
