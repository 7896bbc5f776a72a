import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * Every package of the installed tree (package-lock.json, dev and optional ones included, as
 * `npm ci` installs them) admits the oldest Node version of each major the project supports,
 * so that `npm ci` prints no EBADENGINE warning on Node 20.18 (the version on many laptops and
 * CI images), 22 or 24. Those versions come from package.json `engines.node`: the lowest version
 * of each of its ranges.
 * @see https://docs.npmjs.com/cli/v10/configuring-npm/package-json#engines
 * @see https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json#packages
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as LockFile;

interface LockFile {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[] }>;
}

/** The oldest version each range of an `engines.node` union admits: `^20.18.1 || >=24` → 20.18.1, 24.0.0. */
export function oldestSupported(range: string): string[] {
  return new semver.Range(range).set.map((comparators) => semver.minVersion(new semver.Range(comparators.map((c) => c.value).join(' ')))!.version);
}

/** `<package>@<version> (<its engines.node>)` for every package whose engines exclude one of `versions`. */
export function enginesOffenders(file: LockFile, versions: readonly string[]): string[] {
  const out: string[] = [];
  for (const [path, entry] of Object.entries(file.packages)) {
    // Old packages may carry `engines` as an array of strings, which npm ignores.
    const range = path && entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (range === undefined) continue;
    const excluded = versions.filter((v) => !semver.satisfies(v, range));
    if (excluded.length) out.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} (node ${range}) excludes ${excluded.join(', ')}`);
  }
  return out;
}

describe('Node versions the dependency tree admits', () => {
  const supported = oldestSupported(pkg.engines.node);

  it('the project supports Node 20.18 through 24 (package.json engines)', () => {
    expect(supported[0]).toBe('20.18.1');
    for (const v of ['20.18.1', '22.13.0', '24.0.0', '25.0.0']) expect(semver.satisfies(v, pkg.engines.node), v).toBe(true);
    // Node 23 is excluded: vitest 4 does not admit it.
    expect(semver.satisfies('23.0.0', pkg.engines.node)).toBe(false);
  });

  it('every package in package-lock.json admits the oldest version of each supported major', () => {
    expect(supported).toEqual(['20.18.1', '22.13.0', '24.0.0']);
    expect(enginesOffenders(lock, supported)).toEqual([]);
  });

  it('the CI matrix tests one version of each supported major', () => {
    const ci = parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as { jobs: Record<string, { strategy?: { matrix?: { node?: number[] } } }> };
    const majors = Object.values(ci.jobs).flatMap((j) => j.strategy?.matrix?.node ?? []);
    expect(majors).toEqual([20, 22, 24]);
    for (const major of majors) expect(supported.some((v) => semver.major(v) === major), String(major)).toBe(true);
  });

  it('finds a package that would warn (the check can fail): vite 8 on Node 20.18', () => {
    const vite8: LockFile = { packages: { '': {}, 'node_modules/vite': { version: '8.3.8', engines: { node: '^20.19.0 || >=22.12.0' } }, 'node_modules/old': { version: '1.0.0', engines: ['node >= 0.4'] } } };
    expect(enginesOffenders(vite8, ['20.18.1', '24.0.0'])).toEqual(['vite@8.3.8 (node ^20.19.0 || >=22.12.0) excludes 20.18.1']);
  });
});
