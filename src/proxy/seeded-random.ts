/**
 * Reproducible random draws for verification runs: `WEFT_PROXY_SEED` (set by the local mesh from
 * `weft verify --seed N`, per instance) replaces `Math.random` in this process with sfc32, a
 * small counter-based generator seeded from the string's hash (PractRand-tested; the generator
 * of the PRNG shootout by Chris Doty-Humphrey). Every draw the proxy makes — split and fault
 * rolls, mirror percentages, load-balancer picks, retry back-off jitter, trace sampling — then
 * follows the seed: the same probes in the same order meet the same draws.
 *
 * Replacing the global rather than threading a generator through every step keeps the data path
 * untouched (no argument, no branch per draw); it is only ever installed when the variable is
 * set, which production never does.
 * @see https://pracrand.sourceforge.net/RNG_engines.txt (sfc32)
 */
export function seededRandom(seed: string): () => number {
  // cyrb128-style mixing of the seed string into four 32-bit words
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  let a = h1 >>> 0, b = h2 >>> 0, c = h3 >>> 0, d = h4 >>> 0;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** Installs the seeded generator as Math.random; returns what undoes it (tests). */
export function installSeededRandom(seed: string): () => void {
  const original = Math.random;
  Math.random = seededRandom(seed);
  return () => {
    Math.random = original;
  };
}
