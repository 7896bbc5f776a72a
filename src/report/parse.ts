import type { VerifyReport } from '../verify/report';

/** A file that is not a verify report of a schema version this renderer knows. */
export class ReportFormatError extends Error {
  readonly code = 'WEFT_REPORT_FORMAT';
}

/**
 * Checks the shape the page relies on (the contract in src/verify/report.ts, schemaVersion 1)
 * and returns the report typed. A wrong file gets a message naming the first missing field, not
 * a crash halfway through rendering.
 */
export function parseReport(text: string, source = 'report'): VerifyReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ReportFormatError(`${source} is not JSON: ${(e as Error).message}`);
  }
  const r = data as Partial<VerifyReport> | null;
  if (!r || typeof r !== 'object') throw new ReportFormatError(`${source} is not a weft verify report (not an object)`);
  if (r.schemaVersion !== 1) throw new ReportFormatError(`${source} has schemaVersion ${JSON.stringify(r.schemaVersion)}; this weft renders schemaVersion 1 (weft verify --json)`);
  for (const field of ['mesh', 'environment', 'summary', 'checks', 'notVerified', 'statistics'] as const) {
    if (r[field] === undefined) throw new ReportFormatError(`${source} is not a weft verify report: "${field}" is missing`);
  }
  if (!Array.isArray(r.checks) || !Array.isArray(r.notVerified)) throw new ReportFormatError(`${source}: "checks" and "notVerified" must be arrays`);
  r.checks.forEach((c, i) => {
    if (!c || typeof c.id !== 'string' || !Array.isArray(c.assertions) || !c.declaration) throw new ReportFormatError(`${source}: checks[${i}] lacks id, declaration or assertions`);
  });
  return r as VerifyReport;
}
