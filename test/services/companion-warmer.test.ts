import { CompanionWarmer, type CompanionWarmerDeps, FOREIGN_DELAY_MS } from '../../src/services/companion-warmer';
import type { ActiveModel } from '../../src/services/serving-model';
import type { Limits } from '../../src/config';

/**
 * notifyLater: the pass for enrolments another writer made (the change feed's) runs after the delay plus a jitter of up
 * to half of it, one at a time however many rows arrive, never without a companion, and not after close.
 */
describe('CompanionWarmer.notifyLater', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const make = (opts: { companion: boolean; random?: () => number; foreignDelayMs?: number; lock?: CompanionWarmerDeps['lock'] }) => {
    const reads: string[] = [];
    const companion = opts.companion ? { version: 'c1', embedder: { embedImages: async () => [] } } : undefined;
    const active = { current: { companion } } as unknown as ActiveModel;
    const warmer = new CompanionWarmer({
      active,
      store: {
        imagesMissingEmbedding: async (version: string) => (reads.push(version), []),
        addEmbeddings: async () => 0,
      } as never,
      limits: {} as Limits,
      logger: { info: () => undefined, error: () => undefined },
      foreignDelayMs: opts.foreignDelayMs,
      random: opts.random,
      lock: opts.lock,
    });
    return { warmer, reads };
  };

  it('waits the delay and its jitter, then runs one pass however often it was told', async () => {
    // random 0.5 → jitter floor(0.5 · 1000 / 2) = 250 ms: the pass is due at 1,250 ms.
    const { warmer, reads } = make({ companion: true, random: () => 0.5, foreignDelayMs: 1000 });
    warmer.notifyLater();
    warmer.notifyLater();
    warmer.notifyLater();
    expect(warmer.scheduled).toBe(true);
    await jest.advanceTimersByTimeAsync(1249);
    expect(reads).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await warmer.idle();
    expect(reads).toEqual(['c1']);
    expect(warmer.scheduled).toBe(false);
    // Told again later: one more pass, not a queued backlog.
    warmer.notifyLater();
    await jest.advanceTimersByTimeAsync(1250);
    await warmer.idle();
    expect(reads).toEqual(['c1', 'c1']);
    await warmer.close();
  });

  it('defaults to FOREIGN_DELAY_MS and at most half of it again', async () => {
    const early = make({ companion: true, random: () => 0 });
    early.warmer.notifyLater();
    await jest.advanceTimersByTimeAsync(FOREIGN_DELAY_MS - 1);
    expect(early.reads).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await early.warmer.idle();
    expect(early.reads).toEqual(['c1']);
    await early.warmer.close();
    const late = make({ companion: true, random: () => 0.999999 });
    late.warmer.notifyLater();
    // floor(0.999999 · 5,000) = 4,999 ms of jitter.
    await jest.advanceTimersByTimeAsync(FOREIGN_DELAY_MS + 4998);
    expect(late.reads).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await late.warmer.idle();
    expect(late.reads).toEqual(['c1']);
    await late.warmer.close();
  });

  it('waits for the latest rows, and under a steady stream runs by MAX_DEFER delays after the first', async () => {
    // No jitter, a 1,000 ms delay: rows at 0 and 600 ms make the pass due at 1,600 ms, not 1,000.
    const { warmer, reads } = make({ companion: true, random: () => 0, foreignDelayMs: 1000 });
    warmer.notifyLater();
    await jest.advanceTimersByTimeAsync(600);
    warmer.notifyLater();
    await jest.advanceTimersByTimeAsync(999);
    expect(reads).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await warmer.idle();
    expect(reads).toEqual(['c1']);
    // Rows every 500 ms from 1,600 ms on would defer it for ever: it runs MAX_DEFER (4) delays after the first, at 5,600.
    for (let t = 0; t < 3500; t += 500) {
      warmer.notifyLater();
      await jest.advanceTimersByTimeAsync(500);
    }
    // 5,100 ms, the last rows at 4,600: nothing yet; at 5,600 the bound runs it.
    expect(reads).toEqual(['c1']);
    warmer.notifyLater();
    await jest.advanceTimersByTimeAsync(499);
    expect(reads).toEqual(['c1']);
    await jest.advanceTimersByTimeAsync(1);
    await warmer.idle();
    expect(reads).toEqual(['c1', 'c1']);
    await warmer.close();
  });

  it('schedules nothing without a companion, and nothing survives close', async () => {
    const none = make({ companion: false });
    none.warmer.notifyLater();
    expect(none.warmer.scheduled).toBe(false);
    const { warmer, reads } = make({ companion: true, random: () => 0, foreignDelayMs: 100 });
    warmer.notifyLater();
    expect(warmer.scheduled).toBe(true);
    await warmer.close();
    expect(warmer.scheduled).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    warmer.notifyLater();
    expect(warmer.scheduled).toBe(false);
    expect(reads).toEqual([]);
  });

  it('runs a pass only under the warm lock, releases it after, and while denied looks again later', async () => {
    const events: string[] = [];
    let free = false;
    const lock = {
      tryLock: async (name: string) => {
        events.push(`try ${name}`);
        if (!free) return undefined;
        return async () => void events.push('release');
      },
    };
    const { warmer, reads } = make({ companion: true, random: () => 0, foreignDelayMs: 1000, lock });
    warmer.notify();
    await warmer.idle();
    // Another replica holds it: no pass, and a look again after the delay.
    expect(reads).toEqual([]);
    expect(warmer.deniedPasses).toBe(1);
    expect(warmer.scheduled).toBe(true);
    free = true;
    await jest.advanceTimersByTimeAsync(1000);
    await warmer.idle();
    expect(reads).toEqual(['c1']);
    expect(events).toEqual(['try companion-warm:c1', 'try companion-warm:c1', 'release']);
    await warmer.close();
  });
});
