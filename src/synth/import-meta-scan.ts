/** Characters after which a `/` starts a regular expression literal rather than a division. */
const REGEX_AFTER = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
/** Keywords after which a `/` starts a regular expression literal. */
const REGEX_AFTER_WORD = /(?:^|[^\w$])(?:return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;
const META = 'import.meta';

/**
 * The offsets of every `import.meta` in the code of a TypeScript or JavaScript file: outside
 * strings, comments and regular expression literals (so that a message such as
 * `'… import.meta …'` is left alone), inside template literal substitutions. A lexer, not a
 * parser: whether a `/` starts a regular expression is decided from the token before it, the way
 * JavaScript tokenizers without a parser do; a `/` it misreads only changes what is skipped.
 * @see https://tc39.es/ecma262/#sec-ecmascript-language-lexical-grammar
 */
export function importMetaOffsets(code: string): number[] {
  const found: number[] = [];
  /** The open template literals' brace depths: `}` at that depth resumes the template text. */
  const templates: number[] = [];
  let depth = 0;
  let last = ''; // the last significant character outside strings and comments
  let i = 0;
  const skipString = (quote: string) => {
    for (i++; i < code.length && code[i] !== quote && code[i] !== '\n'; i++) if (code[i] === '\\') i++;
    i++;
  };
  /** Template text up to its end or a `${`; returns true at a substitution. */
  const skipTemplateText = (): boolean => {
    for (; i < code.length; i++) {
      if (code[i] === '\\') i++;
      else if (code[i] === '`') {
        i++;
        return false;
      } else if (code[i] === '$' && code[i + 1] === '{') {
        i += 2;
        return true;
      }
    }
    return false;
  };
  while (i < code.length) {
    const c = code[i]!;
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      i = end < 0 ? code.length : end;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 2;
    } else if (c === '"' || c === "'") {
      skipString(c);
      last = 'a';
    } else if (c === '`') {
      i++;
      if (skipTemplateText()) templates.push(depth++);
      last = 'a';
    } else if (c === '}' && templates.at(-1) === depth - 1) {
      depth--;
      templates.pop();
      i++;
      if (skipTemplateText()) templates.push(depth++);
      last = 'a';
    } else if (c === '/' && (REGEX_AFTER.has(last) || REGEX_AFTER_WORD.test(code.slice(Math.max(0, i - 12), i).trimEnd()))) {
      let inClass = false;
      for (i++; i < code.length && code[i] !== '\n'; i++) {
        if (code[i] === '\\') i++;
        else if (code[i] === '[') inClass = true;
        else if (code[i] === ']') inClass = false;
        else if (code[i] === '/' && !inClass) break;
      }
      i++;
      last = 'a';
    } else if (c === 'i' && code.startsWith(META, i) && !/[\w$.]/.test(code[i - 1] ?? '') && !/[\w$]/.test(code[i + META.length] ?? '')) {
      found.push(i);
      i += META.length;
      last = 'a';
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      if (!/\s/.test(c)) last = /[\w$]/.test(c) ? 'a' : c;
      i++;
    }
  }
  return found;
}
