import { Construct } from 'constructs';
import type { z } from 'zod';
import type { SourceLocation } from '../model/common';
import type { Diagnostic } from '../analyze/diagnostic';
import { captureLocation } from './location';

/** The root of a Weft tree collects construct-time diagnostics (invalid props). */
export interface DiagnosticSink {
  addConstructionDiagnostic(d: Diagnostic): void;
}

const SINK = Symbol.for('weft.diagnostic-sink');

export function markAsSink(root: Construct & DiagnosticSink): void {
  (root as unknown as Record<symbol, DiagnosticSink>)[SINK] = root;
}

/**
 * Base of every Weft construct: remembers where the user created it, and validates its props
 * with zod, turning a failure into a WEFT001 diagnostic instead of an exception so that every
 * mistake in mesh.config.ts is reported in one run.
 */
export abstract class WeftConstruct extends Construct {
  /** Where this construct was created in mesh.config.ts. */
  readonly location: SourceLocation;
  /** The name the user gave; the construct id may carry a suffix when the name is declared twice. */
  readonly declaredName: string;

  protected constructor(scope: Construct, name: string) {
    super(scope, freeId(scope, name));
    this.declaredName = name;
    this.location = captureLocation();
  }

  /** Construct path without the root, e.g. `storefront/springboot-app/route:canary`. */
  get constructPath(): string {
    return this.node.path;
  }

  protected parseProps<S extends z.ZodType>(schema: S, props: unknown, what: string): z.output<S> | undefined {
    const result = schema.safeParse(props);
    if (result.success) return result.data;
    const sink = (this.node.root as unknown as Record<symbol, DiagnosticSink | undefined>)[SINK];
    for (const issue of result.error.issues) {
      const field = issue.path.map(String).join('.');
      const d: Diagnostic = {
        code: 'WEFT001',
        severity: 'error',
        message: `${what} "${this.declaredName}": ${field ? `${field}: ` : ''}${issue.message}`,
        path: this.constructPath,
        location: this.location,
        hint: hintFor(issue),
        field: fieldOf(issue),
      };
      if (!sink) throw new Error(d.message);
      sink.addConstructionDiagnostic(d);
    }
    return undefined;
  }
}

/** The prop path of an issue; for unknown keys, the (first) unknown key itself. */
export function fieldOf(issue: z.core.$ZodIssue): (string | number)[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  return issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...path, issue.keys[0]] : path;
}

function hintFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.map((k) => `"${k}"`).join(', ')}; the editor's completion lists the accepted fields`;
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `give a value of type ${issue.expected}`;
    case 'too_small':
    case 'too_big':
      return 'bring the value into the allowed range';
    default:
      return 'correct the value; the field is documented in docs/constructs.md';
  }
}

/** A sibling id that is free: a name declared twice still gets a construct, and the analyzer reports the duplicate. */
function freeId(scope: Construct, name: string): string {
  if (!scope.node.tryFindChild(name)) return name;
  for (let n = 2; ; n++) if (!scope.node.tryFindChild(`${name}~${n}`)) return `${name}~${n}`;
}
