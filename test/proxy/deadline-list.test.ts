/**
 * The shared deadline list behind route and per-try timeouts (src/proxy/pipeline/deadline-list.ts):
 * entries expire in order, never before their time, removed entries never expire, and an entry
 * added while others expire (a retry's next per-try timeout) is served too. Real timers; waits
 * are on conditions with generous bounds.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineList, type DeadlineEntry } from '../../src/proxy/pipeline/deadline-list';

class Entry implements DeadlineEntry {
  expiresAt = 0;
  prevDeadline: DeadlineEntry | null = null;
  nextDeadline: DeadlineEntry | null = null;
  inDeadlineList = false;
  addedAt = 0;
  expiredAt = -1;
  constructor(
    readonly name: string,
    private readonly log: string[],
    private readonly then?: () => void,
  ) {}
  expire(): void {
    this.expiredAt = performance.now();
    this.log.push(this.name);
    this.then?.();
  }
}

const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('deadline list', () => {
  it('expires entries in order, never early, and never a removed one', async () => {
    const log: string[] = [];
    const list = new DeadlineList(40);
    const add = (e: Entry): Entry => {
      e.addedAt = performance.now();
      list.add(e);
      return e;
    };
    const a = add(new Entry('a', log));
    await new Promise((r) => setTimeout(r, 10));
    const b = add(new Entry('b', log));
    const c = add(new Entry('c', log));
    list.remove(b);
    list.remove(b); // twice: harmless
    expect(list.size).toBe(2);
    await until(() => log.length === 2);
    expect(log).toEqual(['a', 'c']);
    for (const e of [a, c]) expect(e.expiredAt - e.addedAt).toBeGreaterThanOrEqual(40 - 0.5);
    expect(b.expiredAt).toBe(-1);
    expect(list.size).toBe(0);
  });

  it('serves entries added while others expire, and stays usable after it emptied', async () => {
    const log: string[] = [];
    const list = new DeadlineList(15);
    const second = new Entry('second', log);
    list.add(new Entry('first', log, () => list.add(second)));
    await until(() => log.length === 2);
    expect(log).toEqual(['first', 'second']);
    list.add(new Entry('third', log));
    await until(() => log.length === 3);
    expect(log).toEqual(['first', 'second', 'third']);
  });
});
