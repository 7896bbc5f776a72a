/**
 * Runtime failures of the local mesh, each with a literal code (as src/proxy/errors.ts and
 * undici's lib/core/errors.js do): a user sees what failed and where, never a bare stack.
 */
export class LocalMeshError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LocalMeshError';
  }
}

/** dist/ has no weft configs for the environment (not synthesized, or not a weft environment). */
export class NoConfigsError extends LocalMeshError {
  constructor(dir: string, env: string) {
    super('WEFT_LOCAL_NO_CONFIGS', `no Weft proxy configs under ${dir}/${env}/weft: run \`npm run synth\`, and make sure environment "${env}" uses mesh "weft"`);
  }
}

/** A listener port is taken by another process. */
export class PortConflictError extends LocalMeshError {
  constructor(what: string, port: number) {
    super('WEFT_LOCAL_PORT_CONFLICT', `port conflict: ${what} could not listen on 127.0.0.1:${port} (address in use); every other process of the local mesh was stopped`);
  }
}

/** A child (proxy or echo) exited while the mesh was running or starting. */
/** The last five lines of a child's output without stack frames, which would hide the message above them. */
function lastLines(tail: string): string {
  return tail.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-5).join('\n  ');
}

export class ChildExitedError extends LocalMeshError {
  constructor(what: string, code: number | null, signal: string | null, stderrTail: string) {
    super(
      'WEFT_LOCAL_CHILD_EXITED',
      `${what} exited (${signal ? `signal ${signal}` : `code ${code}`}); every other process of the local mesh was stopped${stderrTail ? `\n  last output: ${lastLines(stderrTail)}` : ''}`,
    );
  }
}

/** A proxy did not serve the expected config within the bound. */
export class NotReadyError extends LocalMeshError {
  constructor(what: string, waitedMs: number, detail: string) {
    super('WEFT_LOCAL_NOT_READY', `${what} did not serve its config within ${waitedMs} ms (${detail})`);
  }
}

/** The proxy or echo bundle could not be built. */
export class BundleError extends LocalMeshError {
  constructor(what: string, detail: string) {
    super('WEFT_LOCAL_BUNDLE', `could not build the ${what} bundle: ${detail}`);
  }
}
