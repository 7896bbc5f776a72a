import { expect } from 'vitest';
import { Mesh, type MeshProps } from '../../src/index';
import { analyze } from '../../src/analyze/index';
import type { Diagnostic, Severity } from '../../src/diagnostics/diagnostic';
import type { MeshModel } from '../../src/model/mesh';
import type { SourceLocation } from '../../src/diagnostics/location';

/** A mesh with one environment and Weft's defaults (mTLS strict, deny-by-default). */
export function newMesh(props: Partial<MeshProps> = {}): Mesh {
  return new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, ...props });
}

/** The model of a mesh; fails the test when the constructs reported invalid props. */
export function modelOf(mesh: Mesh): MeshModel {
  const { model, diagnostics } = mesh.toModel();
  expect(diagnostics).toEqual([]);
  expect(model).toBeDefined();
  return model!;
}

export function diagnose(mesh: Mesh): Diagnostic[] {
  return analyze(modelOf(mesh));
}

export function withCode(diags: readonly Diagnostic[], code: string): Diagnostic[] {
  return diags.filter((d) => d.code === code);
}

interface Expected {
  /** The construct the diagnostic must point at (any construct or model node with a location). */
  at: { location: SourceLocation };
  severity: Severity;
  /** Substrings the message must contain. */
  message: string[];
}

/** Exactly one diagnostic with `code`, at the construct's line in this test file, with the given content. */
export function expectOne(diags: readonly Diagnostic[], code: string, e: Expected): Diagnostic {
  const found = withCode(diags, code);
  expect(found, `expected one ${code}, got ${JSON.stringify(diags.map((d) => `${d.code} ${d.message}`))}`).toHaveLength(1);
  const d = found[0]!;
  expectDiagnostic(d, code, e);
  return d;
}

export function expectDiagnostic(d: Diagnostic, code: string, e: Expected): void {
  expect(d.code).toBe(code);
  expect(d.severity).toBe(e.severity);
  expect(d.location?.line).toBe(e.at.location.line);
  expect(d.location?.file).toBe(e.at.location.file);
  expect(d.location?.file).toMatch(/test\/analyze\/.*\.test\.ts$/);
  for (const part of e.message) expect(d.message).toContain(part);
  expect(d.hint.trim().length).toBeGreaterThan(0);
}

export function expectNone(diags: readonly Diagnostic[], code: string): void {
  expect(withCode(diags, code), JSON.stringify(withCode(diags, code).map((d) => d.message))).toEqual([]);
}

/** A service's single version with a pinned image, so that hygiene rules stay quiet. */
export const v1 = { v1: { image: 'example/app:1.0.0' } } as const;
export const v1v2 = { v1: { image: 'example/app:1.0.0' }, v2: { image: 'example/app:2.0.0' } } as const;
