/** HTML text/attribute escaping and number formatting shared by the report's sections. */
export function esc(text: string | number): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A share as a percentage with one decimal (0.2 → "20.0%"). */
export function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Milliseconds, short. */
export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(value % 1000 === 0 ? 0 : 2)} s` : `${Math.round(value * 10) / 10} ms`;
}

/** A p-value: fixed for ordinary values, exponent for tiny ones. */
export function pValue(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

/** Coordinates rounded to 0.1 so that the page's bytes are stable. */
export function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Orders strings with embedded numbers naturally ("attempts 2" before "attempts 10"). */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
