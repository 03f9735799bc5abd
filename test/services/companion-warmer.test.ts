import { CompanionWarmer, FOREIGN_DELAY_MS } from '../../src/services/companion-warmer';
import type { ActiveModel } from '../../src/services/serving-model';
import type { Limits } from '../../src/config';

/**
 * notifyLater: the pass for enrolments another writer made (the change feed's) runs after the delay plus a jitter of up
 * to half of it, one at a time however many rows arrive, never without a companion, and not after close.
 */
describe('CompanionWarmer.notifyLater', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const make = (opts: { companion: boolean; random?: () => number; foreignDelayMs?: number }) => {
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
    const { warmer, reads } = make({ companion: true, random: () => 0.999999 });
    warmer.notifyLater();
    await jest.advanceTimersByTimeAsync(FOREIGN_DELAY_MS + FOREIGN_DELAY_MS / 2 - 1);
    await warmer.idle();
    expect(reads).toEqual(['c1']);
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
});
