import { describe, expect, it } from 'vitest';
import type { JsonPatchOperation } from '../../src/model/escape-hatch';
import { applyJsonPatch } from '../../src/synth/json-patch';

const apply = (doc: unknown, ...ops: JsonPatchOperation[]) => applyJsonPatch(structuredClone(doc), ops);

/** The examples of RFC 6902 Appendix A. @see https://www.rfc-editor.org/rfc/rfc6902#appendix-A */
describe('RFC 6902 JSON patch (src/synth/json-patch.ts)', () => {
  it('A.1–A.3: add an object member, an array element, a nested member', () => {
    expect(apply({ foo: 'bar' }, { op: 'add', path: '/baz', value: 'qux' })).toEqual({ document: { foo: 'bar', baz: 'qux' } });
    expect(apply({ foo: ['bar', 'baz'] }, { op: 'add', path: '/foo/1', value: 'qux' })).toEqual({ document: { foo: ['bar', 'qux', 'baz'] } });
    expect(apply({ foo: ['bar'] }, { op: 'add', path: '/foo/-', value: ['abc', 'def'] })).toEqual({ document: { foo: ['bar', ['abc', 'def']] } });
  });

  it('A.3–A.7: remove, replace, move', () => {
    expect(apply({ baz: 'qux', foo: 'bar' }, { op: 'remove', path: '/baz' })).toEqual({ document: { foo: 'bar' } });
    expect(apply({ foo: ['bar', 'qux', 'baz'] }, { op: 'remove', path: '/foo/1' })).toEqual({ document: { foo: ['bar', 'baz'] } });
    expect(apply({ baz: 'qux', foo: 'bar' }, { op: 'replace', path: '/baz', value: 'boo' })).toEqual({ document: { baz: 'boo', foo: 'bar' } });
    expect(apply({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, { op: 'move', from: '/foo/waldo', path: '/qux/thud' })).toEqual({
      document: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    });
    expect(apply({ foo: ['all', 'grass', 'cows', 'eat'] }, { op: 'move', from: '/foo/1', path: '/foo/3' })).toEqual({ document: { foo: ['all', 'cows', 'eat', 'grass'] } });
  });

  it('A.8–A.9, A.14: test passes on equal JSON (key order aside), fails otherwise, with ~0 and ~1 escapes', () => {
    expect(apply({ baz: 'qux', foo: ['a', 2, 'c'] }, { op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 })).toEqual({ document: { baz: 'qux', foo: ['a', 2, 'c'] } });
    expect(apply({ baz: 'qux' }, { op: 'test', path: '/baz', value: 'bar' })).toEqual({ failure: { index: 0, reason: 'test failed: /baz is "qux", not "bar"' } });
    expect(apply({ '/': 9, '~1': 10 }, { op: 'test', path: '/~01', value: 10 })).toEqual({ document: { '/': 9, '~1': 10 } });
    expect(apply({ a: { x: 1, y: 2 } }, { op: 'test', path: '/a', value: { y: 2, x: 1 } })).toHaveProperty('document');
  });

  it('A.10, A.16: add a nested object; add an array value', () => {
    expect(apply({ foo: 'bar' }, { op: 'add', path: '/child', value: { grandchild: {} } })).toEqual({ document: { foo: 'bar', child: { grandchild: {} } } });
    expect(apply({ foo: ['bar'] }, { op: 'add', path: '/foo/-', value: 'baz' })).toEqual({ document: { foo: ['bar', 'baz'] } });
  });

  it('A.12: adding to a nonexistent target is an error, with the place that is missing', () => {
    expect(apply({ foo: 'bar' }, { op: 'add', path: '/baz/bat', value: 'qux' })).toEqual({
      failure: { index: 0, reason: '/baz/bat does not exist: no key "baz" in the object at the document (it has "foo")' },
    });
  });

  it('remove, replace, move, copy and test need an existing target; array indexes are checked', () => {
    expect(apply({ a: 1 }, { op: 'replace', path: '/b', value: 2 })).toMatchObject({ failure: { index: 0 } });
    expect(apply({ a: 1 }, { op: 'remove', path: '/b' })).toMatchObject({ failure: { index: 0 } });
    expect(apply({ a: 1 }, { op: 'move', from: '/b', path: '/c' })).toMatchObject({ failure: { reason: expect.stringMatching(/^"from" \/b does not exist/) } });
    expect(apply({ a: 1 }, { op: 'copy', from: '/b', path: '/c' })).toMatchObject({ failure: { index: 0 } });
    expect(apply({ a: [1] }, { op: 'add', path: '/a/2', value: 3 })).toMatchObject({ failure: { reason: expect.stringContaining('has 1 elements') } });
    expect(apply({ a: [1] }, { op: 'remove', path: '/a/01' })).toMatchObject({ failure: { index: 0 } });
    expect(apply({ a: { b: 1 } }, { op: 'move', from: '/a', path: '/a/b/c' })).toMatchObject({ failure: { reason: expect.stringContaining('cannot move into itself') } });
    expect(apply({ a: 1 }, { op: 'add', path: '/b', value: 2 }, { op: 'remove', path: '/zzz' })).toMatchObject({ failure: { index: 1 } });
  });

  it('copies values, never shares them', () => {
    const value = { deep: [1] };
    const out = apply({ a: 1 }, { op: 'add', path: '/v', value }, { op: 'copy', from: '/v', path: '/w' }) as { document: { v: typeof value; w: typeof value } };
    out.document.w.deep.push(2);
    expect(out.document.v).toEqual({ deep: [1] });
    expect(value).toEqual({ deep: [1] });
  });
});
