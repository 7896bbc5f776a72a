/**
 * Parts of objects that the environment's emit builds and its verification overlay's emit of
 * the same target builds again from the same inputs (src/synth/overlay-emit.ts): a
 * VirtualService's HTTP routes, a service's dashboard text and rule group. The overlay model
 * keeps the environment's routes, policies and SLOs as the very same objects (it spreads the
 * services it changes), so "same inputs" is decided by identity (`Object.is`), never by a deep
 * comparison, and the overlay takes the part the environment built instead of building it
 * again. Its object is then also the environment's, which makes the overlay's pairing
 * (same-value.ts) stop at the first shared part.
 *
 * The environment records, the overlay replays. Each recorded part is replayed at most once,
 * so that one object never appears twice in one output (a YAML writer could alias it), and
 * synth clears the memo after each target's pair, so that only one target's parts are held.
 *
 * A part built from inputs the caller did not list would be replayed wrong: each caller lists
 * every input its builder reads (the overlay-reuse test compares the overlay's files with a
 * separate emit of the overlay model). Reports a builder makes are made by the environment's
 * emit only; the overlay keeps only errors, and only when the environment has none (so a
 * replayed part's errors were never the overlay's to report).
 */
export class EmitMemo {
  private readonly parts = new Map<string, { inputs: readonly unknown[]; value: unknown }>();
  /** Parts the overlay took from the environment (a test and the bench count them). */
  replayed = 0;

  /** What the environment's emit context shares: builds, and records what it built. */
  readonly record: SharedParts = {
    part: (key, inputs, build) => {
      const value = build();
      this.parts.set(key, { inputs, value });
      return value;
    },
  };

  /** What the overlay's emit context shares: the environment's part when every input is the same. */
  readonly replay: SharedParts = {
    part: (key, inputs, build) => {
      const earlier = this.parts.get(key);
      if (earlier === undefined || !sameInputs(earlier.inputs, inputs)) return build();
      this.parts.delete(key);
      this.replayed++;
      return earlier.value as ReturnType<typeof build>;
    },
  };

  /** Drops every recorded part (synth calls it when a target's overlay is written). */
  clear(): void {
    this.parts.clear();
  }
}

export interface SharedParts {
  /** `build()`, or an equal part built before from the same `inputs` (see EmitMemo). `key` names the part. */
  part<T>(key: string, inputs: readonly unknown[], build: () => T): T;
}

/** `build()` through the context's shared parts, when it has them (synth's contexts do; a test's may not). */
export function sharedPart<T>(ctx: { readonly shared?: SharedParts }, key: string, inputs: readonly unknown[], build: () => T): T {
  return ctx.shared ? ctx.shared.part(key, inputs, build) : build();
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
