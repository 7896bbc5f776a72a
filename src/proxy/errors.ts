/**
 * Typed runtime errors of the proxy. As in undici's lib/core/errors.js, every class owns one
 * fixed literal `code`: a code names exactly one class, so logs, /config_dump and tests can
 * match on it (never on message text), and `instanceof` and `code` always agree.
 */
export abstract class WeftProxyError extends Error {
  abstract readonly code: string;
}

/** One problem in a config document: where (JSON path, `$.routes[0].match`) and why. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** The proxy was started without a config (neither a loaded config nor a path). */
export class ProxyUsageError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_USAGE';
  override readonly name = 'ProxyUsageError';
}

/** The config file could not be read (missing, unreadable). */
export class ConfigReadError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_CONFIG_READ';
  override readonly name = 'ConfigReadError';
  constructor(readonly file: string, cause: unknown) {
    super(`${file}: cannot read config: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** The config is not valid JSON, fails the JSON Schema, or fails a cross-reference check. */
export class ConfigInvalidError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_CONFIG_INVALID';
  override readonly name = 'ConfigInvalidError';
  constructor(readonly source: string, readonly issues: readonly ConfigIssue[]) {
    super(`${source}: invalid proxy config:\n` + issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'));
  }
}

/** A reload was refused although the new document is valid (e.g. a listener port changed). */
export class ReloadRejectedError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_RELOAD_REJECTED';
  override readonly name = 'ReloadRejectedError';
}

/** The route timeout (Istio `timeout`) fired: the whole request, retries included (flag UT). */
export class UpstreamTimeoutError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_UPSTREAM_TIMEOUT';
  override readonly name = 'UpstreamTimeoutError';
  constructor() {
    super('upstream request timeout');
  }
}

/** The per-try timeout (Istio `retries.perTryTimeout`) fired for one attempt (flag UT; may be retried). */
export class PerTryTimeoutError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_PER_TRY_TIMEOUT';
  override readonly name = 'PerTryTimeoutError';
  constructor() {
    super('upstream per-try timeout');
  }
}

/** Circuit breaking: connection/pending/request limits exceeded (response flag UO). */
export class UpstreamOverflowError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_UPSTREAM_OVERFLOW';
  override readonly name = 'UpstreamOverflowError';
  constructor(service: string) {
    super(`upstream overflow (circuit breaker open) for ${service}`);
  }
}

/** Every endpoint of the chosen subset is ejected or there are none (response flag UH). */
export class NoHealthyUpstreamError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_NO_HEALTHY_UPSTREAM';
  override readonly name = 'NoHealthyUpstreamError';
  constructor(service: string) {
    super(`no healthy upstream for ${service}`);
  }
}

/** The downstream client went away before the response completed (response flag DC). */
export class DownstreamClosedError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_DOWNSTREAM_CLOSED';
  override readonly name = 'DownstreamClosedError';
  constructor() {
    super('downstream connection closed');
  }
}

/** A listener could not bind its port. */
export class ListenError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_LISTEN';
  override readonly name = 'ListenError';
  constructor(listener: string, address: string, cause: unknown) {
    super(`cannot listen on ${address} (${listener}): ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/**
 * Why an upstream request ended without a complete response, in Envoy's words (its stream reset
 * reasons, as its local reply says them: "reset reason: remote reset").
 * @see https://github.com/envoyproxy/envoy/blob/main/source/common/http/utility.cc (resetReasonToString)
 */
export type ResetReason = 'connection termination' | 'remote reset' | 'remote refused stream reset' | 'protocol error';

/** The upstream closed or reset the connection (or, on HTTP/2, the stream) before the response completed (flag UC). */
export class UpstreamResetError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_UPSTREAM_RESET';
  override readonly name = 'UpstreamResetError';
  constructor(
    endpoint: string,
    readonly reason: ResetReason = 'connection termination',
  ) {
    super(`upstream ${endpoint} ended the request before the response completed: ${reason}`);
  }
}

/** The upstream's response broke HTTP/1.1 syntax or framing (502, flag UPE). */
export class UpstreamProtocolError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_UPSTREAM_PROTOCOL';
  override readonly name = 'UpstreamProtocolError';
  constructor(endpoint: string, reason: string) {
    super(`upstream ${endpoint} protocol error: ${reason}`);
  }
}

/** No connection to the upstream within the pool's connect timeout (503, flag UF). */
export class UpstreamConnectTimeoutError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_UPSTREAM_CONNECT_TIMEOUT';
  override readonly name = 'UpstreamConnectTimeoutError';
  constructor(endpoint: string, ms: number) {
    super(`connect to upstream ${endpoint} timed out after ${ms} ms`);
  }
}

/**
 * A step of the request chain broke the handler contract toward the response writer (a second
 * response head, or body before the head). A bug, not a peer's fault: the writer refuses it
 * (a reset, or a local 503 when nothing was sent yet) instead of letting the protocol codec
 * throw and take the proxy down.
 */
export class ResponseOrderError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_RESPONSE_ORDER';
  override readonly name = 'ResponseOrderError';
  constructor(what: string) {
    super(`response chain contract broken: ${what}`);
  }
}

/** The endpoint's pool was closed (a reload removed it) before the request could be sent (flag UC). */
export class UpstreamPoolClosedError extends WeftProxyError {
  readonly code = 'WEFT_PROXY_UPSTREAM_POOL_CLOSED';
  override readonly name = 'UpstreamPoolClosedError';
  constructor(endpoint: string) {
    super(`connection pool of ${endpoint} is closed`);
  }
}
