/**
 * Timestamps as text, from the UTC fields of a Date only. Why not `Date#toISOString` /
 * `toUTCString`: V8 (Node 20 and 24) formats every date string through its `ToDateString`, which
 * asks ICU for the local time zone and its display name even when the text is UTC; the first
 * such call in a process loads ICU's time-zone data and code, about 1.0 MB of the node binary's
 * pages on Node 24 (0.8 MB on Node 20), for the life of the process (docs/performance.md, "Proxy
 * memory on Node 24"). The `getUTC*` accessors compute from the time value alone.
 * @see https://tc39.es/ecma262/#sec-date.prototype.toisostring (the format)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7 (IMF-fixdate, `toUTCString`'s format)
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
/** Years 0–9999 print as four digits; other years (and invalid dates) take the Date's own formatter. */
const inFourDigits = (year: number): boolean => year >= 0 && year <= 9999;

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly `new Date(ms).toISOString()` (which it uses only outside years 0–9999). */
export function isoTimestamp(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!inFourDigits(year)) return d.toISOString();
  return `${String(year).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}Z`;
}

/** `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate), exactly `new Date(ms).toUTCString()` for years 0–9999. */
export function imfFixdate(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!inFourDigits(year)) return d.toUTCString();
  return `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(year).padStart(4, '0')} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}
