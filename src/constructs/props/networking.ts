import { isIP } from 'node:net';
import { RE2JS } from 're2js';
import { z } from 'zod';

/**
 * Request attributes a mesh matches on or writes, checked with the grammar the data plane
 * applies, so that a mistake is reported at its line instead of being refused by istiod or
 * silently matching nothing.
 */

/**
 * What is wrong with `pattern` as an RE2 regular expression (the engine of Envoy and Istio), or
 * undefined. RE2 has no lookaround, no backreferences and caps repetition counts at 1000.
 * @see https://github.com/google/re2/wiki/Syntax
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto
 */
export function re2Problem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return `is not a valid RE2 regular expression (the engine Envoy and Istio use): ${(error as Error).message}`;
  }
}

/** A string that must compile as RE2. */
export const re2Schema = z.string().superRefine((pattern, ctx) => {
  const problem = re2Problem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${pattern}" ${problem}` });
});

/**
 * An HTTP method token; Istio and Envoy compare methods case-sensitively, so the known methods
 * are written upper case.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9
 */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
export const httpMethodSchema = z
  .string()
  .transform((m) => m.toUpperCase())
  .refine((m) => (HTTP_METHODS as readonly string[]).includes(m), { message: `must be one of ${HTTP_METHODS.join(', ')}` });

/**
 * An HTTP header name: an RFC 9110 token; Weft lower-cases it (HTTP/2 requires lower case).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.1
 */
export const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~, no spaces or ":")');

/**
 * An HTTP header value: no CR, LF or NUL, which would split or end the header.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.5
 */
export const headerValueSchema = z.string().regex(/^[^\r\n\u0000]*$/, 'must not contain CR, LF or NUL (they would split the header)');

/** A URI path as a route matches or rewrites it: starts with "/", no whitespace or control characters. */
export const uriPathSchema = z.string().regex(/^\/[^\s\u0000-\u001f\u007f]*$/, 'must start with "/" and contain no spaces or control characters');

/** An IPv4/IPv6 address or CIDR block. */
export function ipOrCidrProblem(value: string): string | undefined {
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return `"${value}" is not an IP address or CIDR block`;
  if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))) return `"${value}" has an invalid prefix length (0–${family === 4 ? 32 : 128})`;
  return undefined;
}

export const ipOrCidrSchema = z.string().superRefine((v, ctx) => {
  const problem = ipOrCidrProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A plain IP address (no prefix). */
export const ipSchema = z.string().refine((v) => isIP(v) !== 0, { message: 'must be an IPv4 or IPv6 address' });
