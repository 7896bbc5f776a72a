import type { Command } from '../command';

/** Every `weft` command, in the order `weft --help` lists them. */
export async function loadCommands(): Promise<Command[]> {
  const modules = await Promise.all([
    import('./synth'),
    import('./proxy'),
  ]);
  return modules.map((m) => m.command);
}
