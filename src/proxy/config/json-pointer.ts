/** JSON pointer tokens (RFC 6901): `~` is written `~0` and `/` is written `~1`. */
export const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
export const unescapePointer = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');
