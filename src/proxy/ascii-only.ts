/**
 * A bundle's text with every non-ASCII character escaped, for the bundles Weft runs (the proxy's,
 * src/proxy/build.ts; the CLI's and the compiler's, src/cli/build.mjs).
 *
 * V8 keeps a script's source for the life of the process, one byte per character only when every
 * character is Latin-1; a single `—` in a kept comment doubles the whole bundle's share of the
 * heap (the proxy on Node 20: 3.2 MB instead of 1.6 MB; the 6.3 MB compiler: 12.6 MB instead of
 * 6.3), and Node decodes such a file at every start more slowly (the compiler: ~15 ms against ~5
 * for its ASCII form). esbuild escapes non-ASCII in strings, regular expressions and identifiers
 * (`charset: 'ascii'`, its default) but not in the comments it keeps, so escape what is left:
 * `\uXXXX` means the same character in any of those places, and is just text in a comment.
 * @see https://esbuild.github.io/api/#charset
 * @see https://v8.dev/blog/pointer-compression (one-byte vs two-byte strings)
 */
export function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
