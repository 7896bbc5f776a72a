/**
 * The layering of Weft's source (docs/architecture.md), enforced by dependency-cruiser;
 * test/architecture/layers.test.ts runs these rules inside `npm test`.
 *
 *   diagnostics ← model ← {constructs, analyze, targets/<each>} ← {synth, verify, local, echo, diff, graph, report} ← cli
 *   proxy (runtime): imports nothing from the compiler; the weft target imports only src/proxy/config.
 *
 * Each layer lists what it may import (anything else under src/ is forbidden), so a new folder
 * is outside every layer until it is placed in one here.
 * @see https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
const SYNTH_LEVEL = 'synth|verify|local|echo|diff|graph|report';

/** A layer may import from `allowed` (regex alternatives of src/ folders) and nothing else in src/. */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^src/', pathNot: `^src/(${allowed})/` },
  };
}

module.exports = {
  forbidden: [
    layer('diagnostics-imports-only-itself', '^src/diagnostics/', 'diagnostics', 'the diagnostics core is the bottom layer'),
    layer('model-imports-only-diagnostics', '^src/model/', 'model|diagnostics', 'the model knows no constructs, rules or targets'),
    layer('constructs-import-only-model', '^src/constructs/', 'constructs|model|diagnostics', 'constructs build the model; they know no rule, target or synth'),
    layer('analyze-imports-no-target', '^src/analyze/', 'analyze|model|diagnostics', 'the analyzer never imports a target (synth joins their codes)'),
    {
      name: 'targets-import-only-model',
      comment: 'a target reads the model only: no constructs, rules or synth (the proxy: see the two rules below)',
      severity: 'error',
      from: { path: '^src/targets/' },
      to: { path: '^src/', pathNot: '^src/(targets|model|diagnostics|proxy)/' },
    },
    {
      name: 'no-target-imports-another-target',
      comment: "targets don't know each other: synth passes the mesh wiring in the emit context",
      severity: 'error',
      from: { path: '^src/targets/([^/]+)/' },
      to: { path: '^src/targets/([^/]+)/', pathNot: '^src/targets/$1/' },
    },
    {
      name: 'only-the-weft-target-reads-the-proxy-config',
      comment: 'no other target imports anything of the proxy',
      severity: 'error',
      from: { path: '^src/targets/', pathNot: '^src/targets/weft/' },
      to: { path: '^src/proxy/' },
    },
    {
      name: 'only-the-weft-target-may-import-the-proxy-runtime',
      comment: "the compiler's weft target imports only the proxy's config contract (src/proxy/config), never its runtime",
      severity: 'error',
      from: { path: '^src/targets/weft/' },
      to: { path: '^src/proxy/', pathNot: '^src/proxy/config/' },
    },
    {
      name: 'proxy-imports-nothing-from-the-compiler',
      comment: 'the proxy is a runtime of its own: it reads only its own config format',
      severity: 'error',
      from: { path: '^src/proxy/', pathNot: '^src/proxy/main\\.ts$' },
      to: { path: '^src/', pathNot: '^src/proxy/' },
    },
    {
      name: 'proxy-bundle-entry-runs-only-the-proxy-command',
      comment:
        "src/proxy/main.ts is the entry of the bundled proxy (lib/weft-proxy.mjs): a program that runs the `weft proxy` command, which in turn imports only the proxy, so the bundle holds no compiler code",
      severity: 'error',
      from: { path: '^src/proxy/main\\.ts$|^src/cli/commands/proxy\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(proxy/|cli/command\\.ts$|cli/commands/proxy\\.ts$)' },
    },
    {
      name: 'synth-level-imports-no-cli',
      comment: 'synth, verify, local, echo, diff and graph sit below the cli',
      severity: 'error',
      from: { path: `^src/(${SYNTH_LEVEL})/` },
      to: { path: '^src/cli/' },
    },
    {
      name: 'compiler-imports-no-runtime-tools',
      comment: 'the compiler layers (model, constructs, analyze, targets) do not import the synth-level tools',
      severity: 'error',
      from: { path: '^src/(diagnostics|model|constructs|analyze|targets)/' },
      to: { path: `^src/(${SYNTH_LEVEL}|cli)/` },
    },
    {
      name: 'public-api-exports-constructs-and-types',
      comment: 'src/index.ts (the `weft` package users import in mesh.config.ts) exposes constructs and model types only',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(constructs|model|diagnostics)/' },
    },
    {
      name: 'every-folder-has-a-layer',
      comment: 'a new top-level folder of src/ must be placed in a layer here and in docs/architecture.md before it imports anything',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(diagnostics|model|constructs|analyze|targets|${SYNTH_LEVEL}|cli|proxy)/|^src/index\\.ts$` },
      to: { path: '^src/' },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'an import that resolves to nothing is a moved file whose importers were not updated',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a layer may not even name an upper layer's types.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
