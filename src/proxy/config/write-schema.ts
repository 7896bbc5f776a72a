/**
 * Writes the published JSON Schema of the proxy config, generated from the zod schema:
 *   node --import tsx src/proxy/config/write-schema.ts
 * test/proxy/config.test.ts fails when the committed file differs from what this generates.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { proxyConfigJsonSchema } from './schema';

export const SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/weft-proxy-config.schema.json', import.meta.url));

export function renderSchema(): string {
  return JSON.stringify(proxyConfigJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
