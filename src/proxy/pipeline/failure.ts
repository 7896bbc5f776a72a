/**
 * Classifies failures of an upstream attempt, and maps a final failure to the local reply and
 * response flag Envoy would produce, so that dashboards and the verifier read the same
 * evidence on every target.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 */
import {
  DownstreamClosedError,
  NoHealthyUpstreamError,
  PerTryTimeoutError,
  UpstreamConnectTimeoutError,
  UpstreamPoolClosedError,
  UpstreamProtocolError,
  UpstreamResetError,
  UpstreamOverflowError,
  UpstreamTimeoutError,
  WeftProxyError,
} from '../errors';

export type FailureKind = 'connect-failure' | 'reset' | 'protocol' | 'timeout' | 'overflow' | 'no-healthy' | 'downstream' | 'other';

// WEFT_PROXY_UPSTREAM_TLS: a failed upstream mTLS handshake (security/upstream-connector.ts), Envoy's UF with a transport failure reason.
const CONNECT_CODES = new Set(['WEFT_PROXY_UPSTREAM_TLS', 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

export function classify(error: Error): FailureKind {
  if (error instanceof UpstreamTimeoutError || error instanceof PerTryTimeoutError) return 'timeout';
  if (error instanceof UpstreamOverflowError) return 'overflow';
  if (error instanceof NoHealthyUpstreamError) return 'no-healthy';
  if (error instanceof DownstreamClosedError) return 'downstream';
  if (error instanceof UpstreamConnectTimeoutError) return 'connect-failure';
  if (error instanceof UpstreamProtocolError) return 'protocol';
  if (error instanceof UpstreamResetError || error instanceof UpstreamPoolClosedError) return 'reset';
  const code = (error as { code?: string }).code ?? '';
  if (CONNECT_CODES.has(code)) return 'connect-failure';
  if (code.startsWith('HPE_') || code === 'UND_ERR_INFO' || error.name === 'HTTPParserError') return 'protocol';
  if (RESET_CODES.has(code)) return 'reset';
  return 'other';
}

export interface FailureReply {
  status: number;
  flag: string;
  body: string;
}

const REPLIES: Record<FailureKind, FailureReply> = {
  'connect-failure': { status: 503, flag: 'UF', body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure' },
  reset: { status: 503, flag: 'UC', body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination' },
  protocol: { status: 502, flag: 'UPE', body: 'upstream protocol error' },
  timeout: { status: 504, flag: 'UT', body: 'upstream request timeout' },
  overflow: { status: 503, flag: 'UO', body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow' },
  'no-healthy': { status: 503, flag: 'UH', body: 'no healthy upstream' },
  downstream: { status: 499, flag: 'DC', body: '' },
  other: { status: 503, flag: 'UC', body: 'upstream error' },
};

/** The local reply for a failure; a reset names its reason, as Envoy's reply text does ("reset reason: remote reset"). */
export function replyFor(kind: FailureKind, error?: Error): FailureReply {
  const reply = REPLIES[kind];
  if (kind === 'reset' && error instanceof UpstreamResetError && error.reason !== 'connection termination') return { ...reply, body: `upstream connect error or disconnect/reset before headers. reset reason: ${error.reason}` };
  // An error of no class (a broken chain contract among them) names its code: the reply is otherwise the same for all.
  if (kind === 'other' && error instanceof WeftProxyError) return { ...reply, body: `${reply.body} (${error.code})` };
  return reply;
}
