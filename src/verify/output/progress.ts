/**
 * Live progress: a cli-progress bar over the planned probes on a TTY (outside CI), one plain
 * line per finished check otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import type { DriveEvents } from '../drive/run';
import type { PlannedCheck } from '../plan/types';
import type { CheckResult } from '../report';
import { formatDeclaration } from '../plan/declaration';

export interface Progress extends DriveEvents {
  stop(): void;
}

export function checkLine(c: PlannedCheck, r: CheckResult): string {
  const failed = r.assertions.filter((a) => a.status === 'failed');
  const head = `${r.status === 'passed' ? 'ok  ' : r.status === 'skipped' ? 'SKIP' : 'FAIL'} ${c.id} (${(r.durationMs / 1000).toFixed(1)} s)${r.status === 'skipped' ? `: ${r.skipReason}` : ''}`;
  return failed.length === 0 ? head : `${head}\n${failed.map((a) => `     ${formatDeclaration(c.declaration)}: ${a.name}: expected ${a.expected}; observed ${a.observed}`).join('\n')}`;
}

export function createProgress(checks: PlannedCheck[], stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Progress {
  const tty = Boolean(stream.isTTY) && !env.CI && !env.GITHUB_ACTIONS;
  if (!tty) {
    return {
      checkFinished: (c, r) => stream.write(`${checkLine(c, r)}\n`),
      stop: () => {},
    };
  }
  const total = checks.reduce((n, c) => n + c.probes, 0);
  const bar = new cliProgress.SingleBar(
    { format: 'verify [{bar}] {value}/{total} probes | {checks} | {current}', stream, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let sent = 0;
  let failed = 0;
  let current = '';
  bar.start(total, 0, { checks: '0 checks done', current });
  return {
    checkStarted: (c) => {
      current = c.id;
      bar.update({ current });
    },
    probeSent: () => {
      sent++;
      bar.increment();
    },
    checkFinished: (c, r) => {
      done++;
      if (r.status === 'failed') {
        failed++;
        bar.stop();
        stream.write(`${checkLine(c, r)}\n`);
        bar.start(Math.max(total, sent), sent, { current, checks: '' });
      }
      bar.update({ checks: `${done}/${checks.length} checks${failed ? `, ${failed} failed` : ''}` });
    },
    stop: () => bar.stop(),
  };
}
