/**
 * Runtime failures of `weft verify` against a cluster, with literal codes (as
 * src/local/errors.ts): the CLI prints code and message, never a stack.
 */
export class VerifyTargetError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VerifyTargetError';
  }
}

/** The cluster did not serve the overlay that mesh.config.ts gives within the bound. */
export class TargetNotReadyError extends VerifyTargetError {
  constructor(target: string, tag: string, timeoutMs: number, last: string[]) {
    super(
      'WEFT_VERIFY_TARGET_NOT_READY',
      `${target} did not serve the verification overlay with tag ${tag} within ${Math.round(timeoutMs / 1000)} s: ${last.join('; ')}. Apply dist/verify/<env>/ (synthesized from this mesh.config.ts) and wait for its rollout; a different tag means the cluster runs an overlay of another mesh.config.ts`,
    );
  }
}

/** The second outbound proxy of a caller (retry-on connect-failure, ./drive/refusing-caller.ts) could not start or serve. */
export class RefusingCallerError extends VerifyTargetError {
  constructor(message: string) {
    super('WEFT_VERIFY_REFUSING_CALLER', message);
    this.name = 'RefusingCallerError';
  }
}
