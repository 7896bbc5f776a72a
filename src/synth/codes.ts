import type { CodeTable } from '../diagnostics/codes';

/**
 * The codes of the pipeline itself: loading, construct props, environments, the writer and
 * the schema check. Analyzer rules and targets keep their own tables (`Rule.codes`,
 * `Target.codes`); `registry.ts` joins them. Ranges are listed in src/diagnostics/codes.ts.
 */
export const PIPELINE_CODES = {
  WEFT001: { severity: 'error', title: 'invalid construct properties' },
  WEFT002: { severity: 'error', title: 'mesh.config.ts failed to load' },
  WEFT003: { severity: 'error', title: 'no Mesh in mesh.config.ts' },
  WEFT004: { severity: 'error', title: 'unknown environment' },
  WEFT005: { severity: 'error', title: 'environment override names an unknown service' },
  WEFT006: { severity: 'error', title: 'mesh flavour has no target' },
  WEFT007: { severity: 'error', title: 'two objects map to one file' },
  WEFT008: { severity: 'info', title: 'declared feature has no target yet' },
  WEFT010: { severity: 'error', title: 'invalid name' },
  WEFT040: { severity: 'error', title: 'mount of an undeclared volume' },
  WEFT041: { severity: 'error', title: 'two mounts at one path' },
  WEFT042: { severity: 'error', title: 'JSON patch cannot be applied' },
  WEFT043: { severity: 'error', title: 'JSON patch selects no object' },
  WEFT044: { severity: 'error', title: 'escape-hatch construct cannot be synthesized' },
  WEFT020: { severity: 'error', title: 'mesh.config.ts did not finish' },
  WEFT021: { severity: 'error', title: 'mesh.config.ts ended the process' },
  WEFT022: { severity: 'error', title: 'mesh.config.ts failed after loading' },
  WEFT050: { severity: 'error', title: 'the compiler ran out of memory' },
  WEFT051: { severity: 'error', title: 'dist/ cannot be written' },
  WEFT690: { severity: 'error', title: 'emitted object fails its schema' },
} as const satisfies CodeTable;
