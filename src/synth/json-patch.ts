import type { JsonPatchOperation } from '../model/escape-hatch';

/** Why an operation could not be applied: the path (or `from`) that does not exist, or a failed `test`. */
export interface JsonPatchFailure {
  /** Index of the failing operation in the list. */
  index: number;
  reason: string;
}

type Json = unknown;
type Container = Record<string, Json> | Json[];

/**
 * Applies RFC 6902 operations to `document` in order, strictly as the RFC says: `remove`,
 * `replace`, `move`/`copy` (their `from`) and `test` need an existing target; `add` needs an
 * existing parent (an object, or an array with the index at most its length, or `-`). The
 * document is changed in place; give a copy when a failure must leave the original intact. The
 * result is the new document (an `add`/`replace` at `""` replaces the whole of it).
 *
 * Weft's own implementation because the strictness is the point: a patch whose path no longer
 * exists (a field renamed upstream, an object Weft now shapes differently) must be reported, not
 * silently create the path, as a lenient applier does.
 * @see https://www.rfc-editor.org/rfc/rfc6902#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6901 (JSON Pointer)
 */
export function applyJsonPatch(document: Json, ops: readonly JsonPatchOperation[]): { document: Json } | { failure: JsonPatchFailure } {
  let doc = document;
  for (const [index, op] of ops.entries()) {
    const fail = (reason: string) => ({ failure: { index, reason } });
    switch (op.op) {
      case 'add': {
        const r = add(doc, op.path, clone(op.value));
        if ('error' in r) return fail(r.error);
        doc = r.document;
        break;
      }
      case 'remove': {
        const r = remove(doc, op.path);
        if (r) return fail(r);
        break;
      }
      case 'replace': {
        if (op.path === '') {
          doc = clone(op.value);
          break;
        }
        const at = resolve(doc, op.path);
        if ('error' in at) return fail(at.error);
        set(at.parent, at.key, clone(op.value));
        break;
      }
      case 'move': {
        if (op.path !== op.from && op.path.startsWith(`${op.from}/`)) return fail(`"from" ${op.from} is a prefix of "path" ${op.path}: a value cannot move into itself`);
        const source = resolve(doc, op.from);
        if ('error' in source) return fail(`"from" ${source.error}`);
        const value = get(source.parent, source.key);
        remove(doc, op.from);
        const r = add(doc, op.path, value);
        if ('error' in r) return fail(r.error);
        doc = r.document;
        break;
      }
      case 'copy': {
        const source = op.from === '' ? { value: doc } : resolve(doc, op.from);
        if ('error' in source) return fail(`"from" ${source.error}`);
        const r = add(doc, op.path, clone('value' in source ? source.value : get(source.parent, source.key)));
        if ('error' in r) return fail(r.error);
        doc = r.document;
        break;
      }
      case 'test': {
        const actual = op.path === '' ? { value: doc } : resolve(doc, op.path);
        if ('error' in actual) return fail(actual.error);
        const value = 'value' in actual ? actual.value : get(actual.parent, actual.key);
        if (!jsonEqual(value, op.value)) return fail(`test failed: ${op.path} is ${short(value)}, not ${short(op.value)}`);
        break;
      }
    }
  }
  return { document: doc };
}

/** The RFC 6901 reference tokens of a pointer (`~1` is "/", `~0` is "~", in that order). */
function tokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container that holds the value at `pointer`, and its key there; an error when any part does not exist. */
function resolve(doc: Json, pointer: string): { parent: Container; key: string } | { error: string } {
  const parts = tokens(pointer);
  const parent = walk(doc, parts.slice(0, -1), pointer);
  if ('error' in parent) return parent;
  const key = parts[parts.length - 1]!;
  if (!has(parent.value, key)) return { error: `${pointer} does not exist: ${describeMissing(parent.value, key, parts.slice(0, -1))}` };
  return { parent: parent.value, key };
}

/** The container at `parts` (every part must exist and the result must be an object or array). */
function walk(doc: Json, parts: string[], pointer: string): { value: Container } | { error: string } {
  let value = doc;
  for (const [i, part] of parts.entries()) {
    if (!isContainer(value) || !has(value, part)) return { error: `${pointer} does not exist: ${describeMissing(value, part, parts.slice(0, i))}` };
    value = get(value, part);
  }
  if (!isContainer(value)) return { error: `${pointer} does not exist: ${joinPointer(parts) || 'the document'} is ${short(value)}, not an object or array` };
  return { value };
}

function add(doc: Json, pointer: string, value: Json): { document: Json } | { error: string } {
  if (pointer === '') return { document: value };
  const parts = tokens(pointer);
  const parent = walk(doc, parts.slice(0, -1), pointer);
  if ('error' in parent) return parent;
  const key = parts[parts.length - 1]!;
  if (Array.isArray(parent.value)) {
    const index = key === '-' ? parent.value.length : arrayIndex(key);
    if (index === undefined || index > parent.value.length) return { error: `${pointer} does not exist: the array at ${joinPointer(parts.slice(0, -1)) || '/'} has ${parent.value.length} elements, so "${key}" is not an index to add at (0–${parent.value.length} or "-")` };
    parent.value.splice(index, 0, value);
  } else parent.value[key] = value;
  return { document: doc };
}

function remove(doc: Json, pointer: string): string | undefined {
  if (pointer === '') return 'the whole document cannot be removed';
  const at = resolve(doc, pointer);
  if ('error' in at) return at.error;
  if (Array.isArray(at.parent)) at.parent.splice(Number(at.key), 1);
  else delete at.parent[at.key];
  return undefined;
}

function isContainer(v: Json): v is Container {
  return typeof v === 'object' && v !== null;
}

/** RFC 6901 §4: an array index is "0" or digits without a leading zero. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9]\d*)$/.test(token) ? Number(token) : undefined;
}

function has(container: Json, key: string): boolean {
  if (Array.isArray(container)) {
    const i = arrayIndex(key);
    return i !== undefined && i < container.length;
  }
  return isContainer(container) && Object.prototype.hasOwnProperty.call(container, key);
}

function get(container: Container, key: string): Json {
  return Array.isArray(container) ? container[Number(key)] : container[key];
}

function set(container: Container, key: string, value: Json): void {
  if (Array.isArray(container)) container[Number(key)] = value;
  else container[key] = value;
}

function describeMissing(container: Json, key: string, at: string[]): string {
  const where = joinPointer(at) || 'the document';
  if (Array.isArray(container)) return `the array at ${where} has ${container.length} elements (no index "${key}")`;
  if (isContainer(container)) {
    const keys = Object.keys(container).sort();
    return `no key "${key}" in the object at ${where}${keys.length ? ` (it has ${keys.slice(0, 8).map((k) => `"${k}"`).join(', ')}${keys.length > 8 ? ', …' : ''})` : ' (it is empty)'}`;
  }
  return `${where} is ${short(container)}, not an object or array`;
}

function joinPointer(parts: string[]): string {
  return parts.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** JSON equality (RFC 6902 §4.6): objects regardless of key order, arrays in order. */
function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (!isContainer(a) || !isContainer(b)) return false;
  const ka = Object.keys(a);
  const ra = a as Record<string, Json>;
  const rb = b as Record<string, Json>;
  return ka.length === Object.keys(rb).length && ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && jsonEqual(ra[k], rb[k]));
}

function clone(v: Json): Json {
  return v === undefined ? undefined : structuredClone(v);
}

function short(v: Json): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
