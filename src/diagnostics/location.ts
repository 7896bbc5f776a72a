/** Where a construct was created in the user's `mesh.config.ts` (1-based line and column). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The place a diagnostic points at: every model node has these two fields. */
export interface At {
  /** Construct path, e.g. `shop/storefront/springboot-app/route:canary`. */
  readonly path: string;
  readonly location?: SourceLocation;
}
