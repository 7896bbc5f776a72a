import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';
import { drawGraph } from '../../src/graph/index';
import { exampleModel } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'weft-graph-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = resolve(__dirname, '../../mesh.config.ts');

describe('weft graph', () => {
  it('writes the chosen format for the chosen environment', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const out = join(dir, 'mesh.dot');
      expect(await main(['graph', '--config', config, '--env', 'prod', '--format', 'dot', '--out', out])).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(await drawGraph(await exampleModel('prod'), 'dot'));
    } finally {
      stderr.mockRestore();
    }
  });

  it('answers a wrong format or environment with usage / user errors, and a broken config with its diagnostics', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['graph', '--config', config, '--format', 'png'])).toBe(2);
      expect(await main(['graph', '--config', config, '--env', 'nowhere', '--format', 'dot', '--out', join(dir, 'x.dot')])).toBe(1);
      const broken = join(dir, 'broken.config.ts');
      writeFileSync(broken, `import { Mesh } from '${resolve(__dirname, '../../src/index')}';\nconst mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } } });\nmesh.team('t').service('s', { port: 80, versions: { v1: { image: 'i', replicas: -1 } } });\nexport default mesh;\n`);
      expect(await main(['graph', '--config', broken, '--format', 'dot'])).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('WEFT001');
    } finally {
      stderr.mockRestore();
    }
  });
});
