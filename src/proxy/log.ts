/** The proxy's own operational log: JSON lines on stderr (access logs are separate). */
import { isoTimestamp } from './utc-time';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export const stderrLogger: Logger = {
  log(level, msg, fields) {
    process.stderr.write(JSON.stringify({ time: isoTimestamp(Date.now()), level, msg, ...fields }) + '\n');
  },
};

export const silentLogger: Logger = { log() {} };

/** Collects entries in memory (tests). */
export class MemoryLogger implements Logger {
  readonly entries: Array<{ level: LogLevel; msg: string } & Record<string, unknown>> = [];
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level, msg, ...fields });
  }
}
