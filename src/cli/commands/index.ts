import type { Command } from '../command';

/** Every `weft` command, in the order `weft --help` lists them. */
export async function loadCommands(): Promise<Command[]> {
  const modules = await Promise.all([
    import('./synth'),
    import('./diff'),
    import('./proxy'),
    import('./echo'),
    import('./up'),
    import('./verify'),
    import('./graph'),
    import('./report'),
    import('./switch'),
  ]);
  return modules.map((m) => m.command);
}
