/** Reason phrases for status lines (RFC 9110 §15), from Node's table; unknown codes get "Unknown". */
import { STATUS_CODES } from 'node:http';

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}
