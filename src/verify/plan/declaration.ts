import { relative } from 'node:path';
import type { NodeMeta } from '../../model/common';
import type { Declaration } from '../report';

/** Where a model node is declared, with the file relative to the working directory. */
export function declarationOf(node: Pick<NodeMeta, 'path' | 'location'>): Declaration {
  const file = node.location.file;
  const rel = relative(process.cwd(), file);
  return { path: node.path, file: rel && !rel.startsWith('..') ? rel : file, line: node.location.line, column: node.location.column };
}

export function formatDeclaration(d: Declaration): string {
  return `${d.file}:${d.line}`;
}
