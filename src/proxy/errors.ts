/**
 * Typed runtime errors of the proxy, each with a stable `code` (modelled on undici's
 * lib/core/errors.js). Codes are part of the public surface: logs, /config_dump and tests
 * match on them, never on message text.
 */
export class WeftProxyError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WeftProxyError';
    this.code = code;
  }
}

/** One problem in a config document: where (JSON path, `$.routes[0].match`) and why. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** The config file could not be read (missing, unreadable). */
export class ConfigReadError extends WeftProxyError {
  constructor(readonly file: string, cause: unknown) {
    super(`${file}: cannot read config: ${(cause as Error)?.message ?? cause}`, 'WEFT_PROXY_CONFIG_READ', { cause });
    this.name = 'ConfigReadError';
  }
}

/** The config is not valid JSON, fails the JSON Schema, or fails a cross-reference check. */
export class ConfigInvalidError extends WeftProxyError {
  constructor(readonly source: string, readonly issues: readonly ConfigIssue[]) {
    super(`${source}: invalid proxy config:\n` + issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'), 'WEFT_PROXY_CONFIG_INVALID');
    this.name = 'ConfigInvalidError';
  }
}

/** A reload was refused although the new document is valid (e.g. a listener port changed). */
export class ReloadRejectedError extends WeftProxyError {
  constructor(message: string) {
    super(message, 'WEFT_PROXY_RELOAD_REJECTED');
    this.name = 'ReloadRejectedError';
  }
}

/** The overall route timeout or a per-try timeout fired (response flag UT). */
export class UpstreamTimeoutError extends WeftProxyError {
  constructor(readonly perTry: boolean) {
    super(perTry ? 'upstream per-try timeout' : 'upstream request timeout', perTry ? 'WEFT_PROXY_PER_TRY_TIMEOUT' : 'WEFT_PROXY_UPSTREAM_TIMEOUT');
    this.name = 'UpstreamTimeoutError';
  }
}

/** Circuit breaking: connection/pending/request limits exceeded (response flag UO). */
export class UpstreamOverflowError extends WeftProxyError {
  constructor(service: string) {
    super(`upstream overflow (circuit breaker open) for ${service}`, 'WEFT_PROXY_UPSTREAM_OVERFLOW');
    this.name = 'UpstreamOverflowError';
  }
}

/** Every endpoint of the chosen subset is ejected or there are none (response flag UH). */
export class NoHealthyUpstreamError extends WeftProxyError {
  constructor(service: string) {
    super(`no healthy upstream for ${service}`, 'WEFT_PROXY_NO_HEALTHY_UPSTREAM');
    this.name = 'NoHealthyUpstreamError';
  }
}

/** The downstream client went away before the response completed (response flag DC). */
export class DownstreamClosedError extends WeftProxyError {
  constructor() {
    super('downstream connection closed', 'WEFT_PROXY_DOWNSTREAM_CLOSED');
    this.name = 'DownstreamClosedError';
  }
}

/** A listener could not bind its port. */
export class ListenError extends WeftProxyError {
  constructor(listener: string, address: string, cause: unknown) {
    super(`cannot listen on ${address} (${listener}): ${(cause as Error)?.message ?? cause}`, 'WEFT_PROXY_LISTEN', { cause });
    this.name = 'ListenError';
  }
}
