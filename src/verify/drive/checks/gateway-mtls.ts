/**
 * A MUTUAL gateway server without a client certificate: the probe goes to the gateway's https
 * server with the declared host as SNI and Host, trusting its CA, but presents no certificate.
 * Refused means no HTTP answer at all (the handshake fails: Envoy's `require_client_certificate`);
 * any answer — even a 4xx — means the server accepted the connection.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, outcomeKey, type CheckContext } from '../context';

type GatewayMtls = Extract<CheckSpec, { type: 'gateway-mtls' }>;

export async function runGatewayMtls(ctx: CheckContext, spec: GatewayMtls): Promise<AssertionResult[]> {
  const o = await ctx.send(spec.request, { resendRateLimited: false });
  const refused = o.status === 0 && o.error !== undefined;
  return [
    assertion('no client certificate', refused, 'refused at the TLS handshake (no HTTP answer)', o.error ? `connection ${o.error}` : outcomeKey(o), {
      requests: 1,
      counts: { [outcomeKey(o)]: 1 },
      sampleRequestIds: [o.requestId],
    }),
  ];
}
