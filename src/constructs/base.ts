import { Construct } from 'constructs';
import type { z } from 'zod';
import type { SourceLocation } from '../diagnostics/location';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { captureLocation } from './location';
import { nameProblem, printableName, type NameRule } from './names';

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

  /** False when the name was refused (WEFT010): the construct then stays out of the model. */
  protected readonly nameValid: boolean;

  /**
   * @param idPrefix a prefix of the construct id that keeps kinds apart (`route:`), not part of the name
   * @param rule the name's grammar; checked here, before the name reaches an object or a path
   */
  protected constructor(scope: Construct, name: string, idPrefix = '', rule: NameRule = 'dns-label', what = 'construct') {
    const problem = nameProblem(name, rule);
    // An invalid name still gets a construct (so the rest is checked), under an id that is safe.
    super(scope, freeId(scope, problem ? `${idPrefix}invalid-name` : `${idPrefix}${name}`));
    this.declaredName = problem ? String(typeof name === 'symbol' ? 'invalid-name' : name) : `${idPrefix}${name}`;
    this.location = captureLocation();
    this.nameValid = problem === undefined;
    if (problem) {
      this.reportOrThrow({
        code: 'WEFT010',
        severity: 'error',
        message: `${what} name ${printableName(name)} ${problem}`,
        path: this.constructPath,
        location: this.location,
        hint: 'use a short lowercase name such as "reviews" or "v2"; it becomes part of Kubernetes object names and file paths',
      });
    }
  }

  /** Reports a construct-time problem to the mesh (or throws, for a construct outside a Mesh). */
  protected reportOrThrow(d: Diagnostic): void {
    const sink = (this.node.root as unknown as Record<symbol, DiagnosticSink | undefined>)[SINK];
    if (!sink) throw new Error(d.message);
    sink.addConstructionDiagnostic(d);
  }

  /** Construct path without the root, e.g. `storefront/springboot-app/route:canary`. */
  get constructPath(): string {
    return this.node.path;
  }

  protected parseProps<S extends z.ZodType>(schema: S, props: unknown, what: string): z.output<S> | undefined {
    const result = schema.safeParse(props);
    if (result.success) return this.nameValid ? result.data : undefined;
    const sink = (this.node.root as unknown as Record<symbol, DiagnosticSink | undefined>)[SINK];
    for (const raw of result.error.issues) {
      const issue = specificIssue(raw);
      const field = issue.path.map(String).join('.');
      const d: Diagnostic = {
        code: 'WEFT001',
        severity: 'error',
        message: `${what} "${this.declaredName}": ${field ? `${field}: ` : ''}${issueMessage(issue)}`,
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

/**
 * For a value that fits no branch of a union (`match` is a clause or a list of clauses), zod
 * says only "Invalid input". The branch whose type matched holds the real mistake; its issue,
 * with the full path, names the bad key.
 */
export function specificIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  const typed = issue.errors.find((branch) => branch.length > 0 && !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
  const inner = typed?.[0];
  if (!inner) return issue;
  return specificIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
}

/**
 * An issue's message. For a record key zod says only "Invalid key in record"; the key's own
 * check says what is wrong with it.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues.length) return `key ${issue.issues.map((i) => i.message).join('; ')}`;
  return issue.message;
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
