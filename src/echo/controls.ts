/**
 * The echo workload's query controls, parsed from the request's query string. Each control is
 * what a verifier probe needs to provoke one mesh behaviour:
 * - `status=503` or a weighted mix `status=503:20,200:80` (percent weights);
 * - `delay=<ms>` before answering, only for the first `delayAttempts=<n>` attempts when given;
 * - `reset` destroys the connection without a response (retry-on `reset`); with `succeedAfter`
 *   only the first n attempts are reset;
 * - `size=<bytes>` pads the JSON body to at least that size;
 * - `succeedAfter=<n>` fails the first n attempts of a request id (with `status`, default 503),
 *   then answers 200 (retry counts);
 * - `header=<name>:<value>` (repeatable) adds a response header (response header rewriting);
 * - `grpcStatus=<code>` sets `grpc-status` on the response, the gRPC equivalent of `status`;
 * - `only=<instance>`: `status`, `delay`, `reset`, `succeedAfter` and `grpcStatus` apply on that
 *   instance only, every other one answers normally (one failing endpoint: outlier ejection).
 */
export interface EchoControls {
  status?: { code: number; weight: number }[];
  delayMs?: number;
  delayAttempts?: number;
  reset: boolean;
  size?: number;
  succeedAfter?: number;
  headers: [string, string][];
  grpcStatus?: number;
  onlyInstance?: string;
}

export class EchoControlError extends Error {
  readonly code = 'WEFT_ECHO_BAD_CONTROL';
}

function int(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new EchoControlError(`${name}=${value}: expected an integer in ${min}..${max}`);
  return n;
}

export function parseControls(query: URLSearchParams): EchoControls {
  const controls: EchoControls = { reset: query.has('reset'), headers: [] };
  const status = query.get('status');
  if (status !== null) {
    controls.status = status.split(',').map((part) => {
      const [code, weight] = part.split(':');
      return { code: int('status', code ?? '', 100, 599), weight: weight === undefined ? 100 : int('status weight', weight, 0, 100) };
    });
  }
  const delay = query.get('delay');
  if (delay !== null) controls.delayMs = int('delay', delay, 0, 600_000);
  const delayAttempts = query.get('delayAttempts');
  if (delayAttempts !== null) controls.delayAttempts = int('delayAttempts', delayAttempts, 1, 1000);
  const size = query.get('size');
  if (size !== null) controls.size = int('size', size, 0, 64 * 1024 * 1024);
  const after = query.get('succeedAfter');
  if (after !== null) controls.succeedAfter = int('succeedAfter', after, 0, 1000);
  const grpc = query.get('grpcStatus');
  if (grpc !== null) controls.grpcStatus = int('grpcStatus', grpc, 0, 16);
  const only = query.get('only');
  if (only !== null) controls.onlyInstance = only;
  for (const h of query.getAll('header')) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new EchoControlError(`header=${h}: expected <name>:<value>`);
    controls.headers.push([h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim()]);
  }
  return controls;
}

/** The controls as they apply on `instance`: with `only=<other instance>`, none but the response headers. */
export function controlsFor(controls: EchoControls, instance: string): EchoControls {
  if (controls.onlyInstance === undefined || controls.onlyInstance === instance) return controls;
  return { reset: false, headers: controls.headers, ...(controls.size !== undefined ? { size: controls.size } : {}) };
}

/** Picks the status for this attempt. `random` is injectable so that tests are exact. */
export function chooseStatus(controls: EchoControls, attempt: number, random: () => number = Math.random): number {
  if (controls.succeedAfter !== undefined) {
    return attempt <= controls.succeedAfter ? (controls.status?.[0]?.code ?? 503) : 200;
  }
  const mix = controls.status;
  if (!mix || mix.length === 0) return 200;
  const total = mix.reduce((s, m) => s + m.weight, 0);
  let r = random() * total;
  for (const m of mix) {
    if (r < m.weight) return m.code;
    r -= m.weight;
  }
  return mix[mix.length - 1]!.code;
}
