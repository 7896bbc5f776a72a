/**
 * The precompiled compile child: what isolate.ts forks when Weft runs from its bundles
 * (src/cli/launch.mjs). Plain JavaScript, so that nothing but mesh.config.ts (and the files
 * it imports) goes through tsx:
 * 1. the compiler, lib/weft-compiler.mjs, loads natively (the sources through tsx cost about
 *    a second of start-up: every one of some 400 modules crosses tsx's loader hooks);
 * 2. tsx is registered for the config, then public-api-hook.mjs, which sends the config's
 *    `import … from 'weft'` to the bundle already loaded;
 * 3. requests are served as by the source child (isolate-child.ts).
 * The path of the bundle is the first argument (the launcher that built it knows it).
 */
import { register } from 'node:module';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

const bundleUrl = pathToFileURL(process.argv[2]).href;
const sourcePrefix = new URL('../', import.meta.url).href;
const compiler = await import(bundleUrl);

registerTsx();
const { port1, port2 } = new MessageChannel();
port1.unref(); // must not keep the child alive: isolate-child.ts waits for an empty event loop
register('./public-api-hook.mjs', import.meta.url, {
  data: { bundleUrl, sourcePrefix, publicApiUrl: new URL('../index.ts', import.meta.url).href, port: port2 },
  transferList: [port2],
});

compiler.serveCompileRequests({
  deepImport() {
    let last;
    for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) last = m.message.deepImport;
    return last;
  },
});
