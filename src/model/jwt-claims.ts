/**
 * How a JWT claim is named in `from.jwtClaims`: a top-level claim by its name (`scope`,
 * `https://shop.example.com/roles` — dots and slashes are part of a name), a nested claim by
 * its path in brackets after the first name, as Istio writes conditions: `realm_access[roles]`
 * is the `roles` member of the `realm_access` object, `request.auth.claims[realm_access][roles]`.
 * @see https://istio.io/latest/docs/reference/config/security/conditions/ (request.auth.claims)
 */
export const CLAIM_KEY_PATTERN = /^[^[\]]+(\[[^[\]]+\])*$/;

/** `realm_access[roles]` → ['realm_access', 'roles']; `scope` → ['scope']. */
export function claimPath(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  return [key.slice(0, first), ...[...key.slice(first).matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!)];
}

/** The Istio (and weft proxy) condition key of a claim: `request.auth.claims[a][b]`. */
export function claimConditionKey(key: string): string {
  return `request.auth.claims${claimPath(key).map((p) => `[${p}]`).join('')}`;
}
