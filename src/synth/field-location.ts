import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import type { Diagnostic } from '../diagnostics/diagnostic';
import type { SourceLocation } from '../diagnostics/location';

/**
 * Moves the location of prop mistakes (diagnostics with a `field`) from the line that created
 * the construct to the field itself, so that `versions.v1.replicas` points at `replicas: -1`
 * even when the props span twenty lines. The construct's call is found in the source with the
 * TypeScript parser (loaded only when there is such a diagnostic), then the field is followed
 * through object and array literals. Where the props are not a literal (a variable, a spread),
 * the location stays on the deepest field found, or on the call.
 */
export async function refineFieldLocations(diagnostics: readonly Diagnostic[]): Promise<Diagnostic[]> {
  if (!diagnostics.some((d) => d.field?.length && d.location)) return [...diagnostics];
  // `require`, not `import()`: typescript is CommonJS, and the precompiled compiler runs from
  // V8's code cache, where Node 20 has no `import()` (src/synth/compiler-script.mjs).
  const ts = createRequire(import.meta.url)('typescript') as typeof TS;
  const sources = new Map<string, TS.SourceFile | undefined>();
  const parse = (file: string) => {
    if (!sources.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = undefined;
      }
      sources.set(file, text === undefined ? undefined : ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
    }
    return sources.get(file);
  };
  return diagnostics.map((d) => {
    if (!d.field?.length || !d.location) return d;
    const source = parse(d.location.file);
    const at = source && locateField(ts, source, d.location, d.field);
    return at ? { ...d, location: at } : d;
  });
}

function locateField(ts: typeof TS, source: TS.SourceFile, call: SourceLocation, field: readonly (string | number)[]): SourceLocation | undefined {
  let offset: number;
  try {
    offset = source.getPositionOfLineAndCharacter(call.line - 1, call.column - 1);
  } catch {
    return undefined;
  }
  const expression = findCall(ts, source, offset);
  const props = expression?.arguments ? [...expression.arguments].map((a) => unwrap(ts, a)).reverse().find(ts.isObjectLiteralExpression) : undefined;
  if (!props) return undefined;
  let node: TS.Node = props;
  let found: TS.Node | undefined;
  for (const key of field) {
    const next = childFor(ts, node, key);
    if (!next) break;
    found = next.at;
    node = next.value;
  }
  if (!found) return undefined;
  const { line, character } = source.getLineAndCharacterOfPosition(found.getStart(source));
  return { file: call.file, line: line + 1, column: character + 1 };
}

/**
 * The call or `new` expression a stack frame points into: V8 reports the position of the
 * property name for `team.service(...)`, of the callee for `service(...)`, and of `new` for
 * `new Mesh(...)`.
 */
function findCall(ts: typeof TS, source: TS.SourceFile, offset: number): TS.CallExpression | TS.NewExpression | undefined {
  let match: TS.CallExpression | TS.NewExpression | undefined;
  const visit = (node: TS.Node): void => {
    if (match || offset < node.getFullStart() || offset > node.getEnd()) return;
    if (ts.isNewExpression(node) && node.getStart(source) === offset) match = node;
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
      if (name.getStart(source) === offset) match = node;
    }
    if (!match) ts.forEachChild(node, visit);
  };
  visit(source);
  return match;
}

/** The property (or element) `key` of an object (or array) literal: where to point, and its value. */
function childFor(ts: typeof TS, node: TS.Node, key: string | number): { at: TS.Node; value: TS.Node } | undefined {
  if (ts.isObjectLiteralExpression(node)) {
    for (const p of node.properties) {
      const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)) ? p.name.text : undefined;
      if (name !== String(key)) continue;
      if (ts.isPropertyAssignment(p)) return { at: p.name, value: unwrap(ts, p.initializer) };
      if (ts.isShorthandPropertyAssignment(p)) return { at: p.name, value: p.name };
    }
    return undefined;
  }
  if (ts.isArrayLiteralExpression(node) && typeof key === 'number') {
    const element = node.elements[key];
    return element ? { at: element, value: unwrap(ts, element) } : undefined;
  }
  return undefined;
}

/** `{ … } as Props`, `{ … } satisfies Props`, `<Props>{ … }` and `({ … })` are still the literal. */
function unwrap(ts: typeof TS, node: TS.Node): TS.Node {
  while (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isTypeAssertionExpression(node) || ts.isParenthesizedExpression(node)) node = node.expression;
  return node;
}
