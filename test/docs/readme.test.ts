import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mesh, duration } from '../../src/index';
import { compileModel } from '../../src/synth/compile';
import { GENERATED_HEADER } from '../../src/synth/serialize';

const root = join(__dirname, '../..');

/** The YAML blocks of a Markdown file that start with a `# dist/...` path comment. */
function yamlBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of markdown.matchAll(/```yaml\n# (dist\/\S+)\n([\s\S]*?)```/g)) blocks.set(m[1]!.replace(/^dist\//, ''), m[2]!);
  return blocks;
}

/** The mesh of the README's "Istio: what a declaration becomes" section, built the same way. */
function readmeMesh(): Mesh {
  // README.md also shows the consul environment's output of the same declaration.
  const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' }, staging: { mesh: 'consul' } } });
  const storefront = mesh.team('storefront');
  const app = storefront.service('springboot-app', {
    port: 8080,
    versions: { v1: { image: 'example/springboot-app:v1' }, v2: { image: 'example/springboot-app:v2' } },
    resilience: {
      timeout: duration.seconds(2),
      retries: { attempts: 3, perTryTimeout: duration.millis(500), on: ['5xx', 'connect-failure'], retryNonIdempotent: true },
      circuitBreaker: { consecutive5xx: 5, interval: duration.seconds(10), baseEjection: duration.seconds(30) },
    },
  });
  app.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: app.version('v2') });
  app.route('canary', { to: [app.version('v1').weight(20), app.version('v2').weight(80)] });
  return mesh;
}

describe.each(['README.md', 'docs/istio.md'])('%s', (file) => {
  it('shows the Istio YAML that the snippet really compiles to', () => {
    const markdown = readFileSync(join(root, file), 'utf8');
    expect(markdown).toContain("app.route('canary', { to: [app.version('v1').weight(20), app.version('v2').weight(80)] });");
    const blocks = yamlBlocks(markdown);
    expect(blocks.size).toBeGreaterThanOrEqual(2);
    const compiled = compileModel(readmeMesh().toModel().model!);
    for (const [path, yaml] of blocks) expect(compiled.files.get(path), path).toBe(GENERATED_HEADER + yaml);
  });
});
