export type { SourceLocation, At } from './location';
export { type Diagnostic, type Severity, hasErrors, sortDiagnostics } from './diagnostic';
export type { CodeInfo, CodeTable, CodeOwner } from './codes';
export { CodeRegistry } from './registry';
export { Reporter, type Report } from './reporter';
