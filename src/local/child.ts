/**
 * One child process of the local mesh (a proxy or an echo): spawned detached into its own
 * process group so that stopping it also stops anything it forked (`weft proxy --workers`),
 * with the tail of its output kept for error messages and an exit that is never silent.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class Child {
  readonly process: ChildProcess;
  private output = '';
  private exited = false;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    // The IPC channel is the children's lifeline: if this process dies without stopping them
    // (SIGKILL, a crashed test runner), the channel closes and they stop themselves
    // (WEFT_STOP_WITH_PARENT in src/cli/commands/proxy.ts and src/echo/main.ts).
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...env, WEFT_STOP_WITH_PARENT: '1' }, detached: true });
    this.process.channel?.unref();
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    this.process.stdout!.on('data', keep);
    this.process.stderr!.on('data', keep);
    this.exit = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      });
      this.process.once('error', (error) => {
        this.output += `\n${error.message}`;
        this.exited = true;
        resolve({ code: -1, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  tail(): string {
    return this.output;
  }

  /** Resolves when `pattern` appears in the output; rejects if the child exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = pattern.exec(this.output);
        if (m) {
          cleanup();
          resolve(m);
        }
        return Boolean(m);
      };
      const onData = (): void => void check();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.process.stdout!.off('data', onData);
        this.process.stderr!.off('data', onData);
      };
      if (check()) return;
      this.process.stdout!.on('data', onData);
      this.process.stderr!.on('data', onData);
      void this.exit.then(() => {
        if (!check()) {
          cleanup();
          reject(new Error('exited'));
        }
      });
    });
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited || this.pid === undefined) return;
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(-this.pid!, s);
      } catch {
        /* already gone */
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}
