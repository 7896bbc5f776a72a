#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it in-process so that users need no build step
// and `mesh.config.ts` is loaded by the same loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
