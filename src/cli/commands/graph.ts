import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseOptions, UsageError } from '../args';
import { formatDiagnostic, summary } from '../format';
import { hasErrors } from '../../diagnostics/diagnostic';
import { drawGraph, GRAPH_FORMATS, type GraphFormat } from '../../graph/index';
import { modelForEnvironment } from '../../model/query';
import { refineFieldLocations } from '../../synth/field-location';
import { loadMeshConfig } from '../../synth/load';

const usage = `usage: weft graph [--config mesh.config.ts] [--env E] [--format svg|html|mermaid|dot] [--out F]

Draws the service graph of one environment: services, versions, gateways and external
services; calls labelled with the callee's policies (timeout, retries, breaker, limits, mTLS,
authorization), routes labelled with their weights.

  --config F   the mesh description (default: mesh.config.ts)
  --env E      the environment whose overrides apply (default: the first declared)
  --format F   svg (default), html (one self-contained page: zoom, hover details, team
               filter), mermaid (for Markdown), dot (Graphviz)
  --out F      write to this file instead of stdout

The same mesh.config.ts always gives the same bytes. Exit codes: 0 success, 1 errors in the
input (diagnostics on stderr), 2 usage, 3 internal error.`;

export const command: Command = {
  name: 'graph',
  summary: 'draw the service graph (svg, html, mermaid, dot)',
  usage,
  async run(args) {
    const values = parseOptions(
      command,
      args,
      {
        config: { type: 'string', default: 'mesh.config.ts' },
        env: { type: 'string' },
        format: { type: 'string', default: 'svg' },
        out: { type: 'string' },
      },
      (v) => {
        if (!GRAPH_FORMATS.includes(v.format as GraphFormat)) throw new UsageError(`--format must be one of ${GRAPH_FORMATS.join(', ')}, not "${v.format}"`);
      },
    );
    if (!values) return ExitCode.usage;
    const cwd = process.cwd();
    const loaded = await loadMeshConfig(resolve(cwd, values.config!));
    const built = loaded.mesh?.toModel();
    const diagnostics = [...loaded.diagnostics, ...(built ? await refineFieldLocations(built.diagnostics) : [])];
    const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    const sources = new Map<string, string[]>();
    for (const d of diagnostics) process.stderr.write(formatDiagnostic(d, { cwd, color }, sources) + '\n\n');
    if (!built?.model || hasErrors(diagnostics)) {
      process.stderr.write(`${summary(diagnostics)}\n`);
      return ExitCode.userError;
    }
    const model = built.model;
    const env = values.env === undefined ? model.environments[0]! : model.environments.find((e) => e.name === values.env);
    if (!env) {
      process.stderr.write(`weft graph: environment "${values.env}" is not declared; use one of: ${model.environments.map((e) => e.name).join(', ')}\n`);
      return ExitCode.userError;
    }
    const text = await drawGraph(modelForEnvironment(model, env), values.format as GraphFormat);
    if (values.out) {
      writeFileSync(resolve(cwd, values.out), text);
      process.stderr.write(`wrote ${values.out}\n`);
    } else process.stdout.write(text);
    return ExitCode.ok;
  },
};
