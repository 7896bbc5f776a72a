/**
 * Node's built-in modules that only some configs use, loaded the first time a feature that needs
 * one runs: TLS (mTLS listeners and upstreams, gateway TLS termination), HTTP/2 (h2 listeners,
 * h2 and gRPC upstreams), DNS discovery and certificates (`node:crypto`). A plain HTTP/1.1
 * config never loads them, and a reload to a config that needs one loads it then.
 * (`node:cluster` is not among them: `net`'s `listen` loads it in every process, to ask whether
 * it runs in a cluster worker.)
 *
 * Why: a loaded built-in stays for the life of the process, and its compiled code, the code it
 * pulls in behind it and the binary pages its first use touches are resident memory. In an empty
 * process with `node:net` already loaded, `node:tls` adds 5.4 MB on Node 24 (1.3 MB on Node 20)
 * and `node:http2` 3 MB more (with `node:http` behind it) — docs/performance.md#proxy-memory.
 *
 * `process.getBuiltinModule` (Node 20.16+, 22.3+) is synchronous, so a constructor may call it;
 * the module object is kept after the first call, so the hot path pays one property read.
 * @see https://nodejs.org/api/process.html#processgetbuiltinmoduleid
 */
type Builtins = {
  'node:tls': typeof import('node:tls');
  'node:http2': typeof import('node:http2');
  'node:dns/promises': typeof import('node:dns/promises');
  'node:crypto': typeof import('node:crypto');
};

function onDemand<K extends keyof Builtins>(id: K): () => Builtins[K] {
  let loaded: Builtins[K] | undefined;
  return () => (loaded ??= process.getBuiltinModule(id));
}

export const tlsModule = onDemand('node:tls');
export const http2Module = onDemand('node:http2');
export const dnsPromisesModule = onDemand('node:dns/promises');
/**
 * Certificates (X509Certificate) and, where /dev/urandom is missing, random bytes
 * (./random-fill.ts; the config hash is ./sha256.ts): 2.8 MB on Node 24. TLS loads it with
 * `node:tls` in any case.
 */
export const cryptoModule = onDemand('node:crypto');

