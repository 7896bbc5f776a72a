import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const CONSTRUCTS = fileURLToPath(new URL('../../src/constructs/', import.meta.url));

/**
 * Every field of every zod object in src/constructs, with its JSDoc. The props are the user's
 * interface: each field says what it is, and either that it is required or its `@default`
 * (DESIGN.md §8, cdk8s-plus's convention).
 */
function fields(): Array<{ where: string; doc: string }> {
  const files = [...readdirSync(CONSTRUCTS).filter((f) => f.endsWith('.ts')), ...readdirSync(join(CONSTRUCTS, 'props')).map((f) => `props/${f}`)];
  const out: Array<{ where: string; doc: string }> = [];
  for (const file of files) {
    const path = join(CONSTRUCTS, file);
    const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      const arg = ts.isCallExpression(node) && /\b(object|strictObject)$/.test(node.expression.getText(sf)) ? node.arguments[0] : undefined;
      if (arg && ts.isObjectLiteralExpression(arg))
        for (const p of arg.properties) {
          const line = sf.getLineAndCharacterOfPosition(p.getStart(sf)).line + 1;
          const doc = ts.getJSDocCommentsAndTags(p).map((d) => d.getText(sf)).join('\n');
          out.push({ where: `src/constructs/${file}:${line} ${p.name?.getText(sf) ?? '?'}`, doc });
        }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

describe('construct props documentation', () => {
  it('finds the props', () => {
    expect(fields().length).toBeGreaterThan(100);
  });

  it('documents every field, with `@default` or as required', () => {
    const missing = fields().filter((f) => !f.doc.trim() || !/@default|Required/.test(f.doc)).map((f) => f.where);
    expect(missing, 'document these fields (what, unit, `@default` or "Required.", `@see` where a mesh field is mapped)').toEqual([]);
  });
});
