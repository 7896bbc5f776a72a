import type { Rule } from '../rule';

/** Every analyzer rule, in the order they run. One rule per file in this folder. */
export const RULES: readonly Rule[] = [];
