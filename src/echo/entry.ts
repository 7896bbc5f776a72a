/** Process entry of the echo bundle the local mesh starts per instance (see ./main.ts). */
import { runEcho } from './main';

runEcho(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`weft echo: ${error.message}\n`);
  process.exit(2);
});
