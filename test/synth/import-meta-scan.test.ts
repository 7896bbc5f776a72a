import { describe, expect, it } from 'vitest';
import { importMetaOffsets } from '../../src/synth/import-meta-scan';

/** The text at each offset found, with one character of context on each side. */
const found = (code: string) => importMetaOffsets(code).map((at) => code.slice(at - 1, at + 'import.meta'.length + 1));

describe('importMetaOffsets', () => {
  it('finds import.meta in code, also inside a template substitution', () => {
    expect(found('const u = import.meta.url;\nconst d = `${import.meta.dirname}/x`;')).toEqual([' import.meta.', '{import.meta.']);
  });

  it('skips strings, template text, comments and regular expressions', () => {
    const code = [
      `const a = 'import.meta.url' + "import.meta";`,
      'const b = `import.meta ${`nested import.meta ${1}`} import.meta`;',
      '// import.meta in a line comment',
      '/* import.meta in a block comment */',
      `const r = /["'import.meta]/g; const q = x / 2 / import.meta.dirname.length;`,
      `function f() { return /'/.test(s) ? import.meta.url : ''; }`,
    ].join('\n');
    expect(found(code)).toEqual([' import.meta.', ' import.meta.']);
  });

  it('does not match longer names or properties', () => {
    expect(found('x.import.meta; import.metadata; reimport.meta;')).toEqual([]);
  });

  it('finds the offsets exactly, so a replacement of the same length moves no column', () => {
    const code = "const where = import.meta.url; if (where) throw new Error('after import.meta');";
    const [at] = importMetaOffsets(code);
    expect(at).toBe(code.indexOf('import.meta'));
    expect(importMetaOffsets(code)).toHaveLength(1);
  });
});
