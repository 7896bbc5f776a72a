/**
 * The end-to-end baseline of `bench/synth/e2e.ts`: a plain cdk8s-plus-27 program, run as a
 * user runs one (`tsx main.ts`), writing the Deployments and Services of N generated services
 * to files, one per object (`YamlOutputType.FILE_PER_RESOURCE`).
 *
 *   node --import tsx bench/synth/plain-process.ts --services N --out DIR
 */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { parseArgs } from 'node:util';
import { addPlainServices } from './plain';

const { values } = parseArgs({ options: { services: { type: 'string' }, out: { type: 'string' } } });
const services = Number(values.services);
if (!Number.isInteger(services) || services <= 0 || !values.out) {
  console.error('usage: plain-process.ts --services N --out DIR');
  process.exit(2);
}
const app = new App({ outdir: values.out, yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
addPlainServices(new Chart(app, 'bench', { disableResourceNameHashes: true }), services);
app.synth();
