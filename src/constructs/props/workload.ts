import { z } from 'zod';

/**
 * Values that end up in a Pod spec, checked as the Kubernetes API server checks them, so that
 * a mistake is a diagnostic at its line in mesh.config.ts instead of a rejected apply.
 */

/**
 * A Service port name: an IANA service name — at most 15 characters of a-z, 0-9 and "-", with
 * a letter, no leading, trailing or double "-".
 * @see https://www.rfc-editor.org/rfc/rfc6335#section-5.1
 */
export const portNameSchema = z
  .string()
  .max(15, 'port names are at most 15 characters (IANA service name)')
  .regex(/^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/, 'must be an IANA service name: a-z, 0-9 and single "-" between them, with at least one letter');

/** An absolute path (probe path, mount path), without whitespace or control characters. */
export const absolutePathSchema = z.string().regex(/^\/[^\s\u0000-\u001f\u007f]*$/, 'must be an absolute path starting with "/", without spaces or control characters');

/**
 * An environment variable name. Kubernetes accepts any printable name without "="; a name a
 * shell can use is what applications read, so Weft asks for that.
 * @see https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
 */
export const envVarNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be an environment variable name: letters, digits, "_", "." and "-", not starting with a digit');

/**
 * A container image reference: `[registry[:port]/]path[:tag][@digest]`, lowercase path.
 * @see https://github.com/distribution/reference/blob/main/reference.go
 */
export const imageRefSchema = z
  .string()
  .min(1, 'name an image')
  .regex(
    /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$/,
    'must be an image reference such as "registry.example.com/team/app:1.2" or "app@sha256:<64 hex digits>" (lowercase repository, tag of letters, digits, ".", "_", "-")',
  );

/**
 * Why `value` cannot be written as JSON without losing or changing something, or undefined.
 * JSON.stringify throws on BigInt and cycles, and silently drops functions, symbols and
 * undefined; Weft refuses all of them.
 */
export function jsonValueProblem(value: unknown, path = '', seen = new Set<object>()): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path || 'the value'} is ${value}, which JSON cannot represent`;
    case 'bigint':
      return `${path || 'the value'} is a BigInt, which JSON cannot represent; write it as a string or a number`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return `${path || 'the value'} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON would drop; remove it`;
    default: {
      if (value === null) return undefined;
      const obj = value as object;
      if (seen.has(obj)) return `${path || 'the value'} refers to itself (a cycle), which JSON cannot represent`;
      seen.add(obj);
      const proto = Object.getPrototypeOf(obj);
      if (!Array.isArray(obj) && proto !== Object.prototype && proto !== null) return `${path || 'the value'} is a ${proto?.constructor?.name ?? 'class'} instance; only plain objects, arrays, strings, numbers, booleans and null are written`;
      for (const [k, v] of Object.entries(obj)) {
        const problem = jsonValueProblem(v, path ? `${path}.${k}` : k, seen);
        if (problem) return problem;
      }
      seen.delete(obj);
      return undefined;
    }
  }
}
