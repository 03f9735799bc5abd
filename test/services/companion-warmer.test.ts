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

  const make = (opts: {
    companion: boolean;
    random?: () => number;
    foreignDelayMs?: number;
    lock?: CompanionWarmerDeps['lock'];
    errors?: string[];
    missing?: () => Promise<Array<{ id: string; bytes: Uint8Array }>>;
  }) => {
    const reads: string[] = [];
    const companion = opts.companion ? { version: 'c1', embedder: { embedImages: async () => [] } } : undefined;
    const active = { current: { companion } } as unknown as ActiveModel;
    const warmer = new CompanionWarmer({
      active,
      store: {
        imagesMissingEmbedding: async (version: string) => (reads.push(version), opts.missing ? opts.missing() : []),
        addEmbeddings: async () => 0,
      } as never,
      limits: {} as Limits,
      logger: { info: () => undefined, error: (m: string) => void opts.errors?.push(m) },
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

  it('runs a pass only under the warm lock, releases it after, and while refused tries again soon, then less often', async () => {
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
    // Another replica holds it: no pass; tries again after 250 ms, then 500, then 1,000 (the delay caps it).
    expect(reads).toEqual([]);
    expect(warmer.deniedPasses).toBe(1);
    await jest.advanceTimersByTimeAsync(250);
    await warmer.idle();
    expect(warmer.deniedPasses).toBe(2);
    await jest.advanceTimersByTimeAsync(499);
    expect(warmer.deniedPasses).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    await warmer.idle();
    expect(warmer.deniedPasses).toBe(3);
    free = true;
    await jest.advanceTimersByTimeAsync(1000);
    await warmer.idle();
    expect(reads).toEqual(['c1']);
    expect(events).toEqual([...Array(4).fill('try companion-warm:c1'), 'release']);
    await warmer.close();
  });

  it('a lock that cannot be reached is logged and retried like a failed pass', async () => {
    const errors: string[] = [];
    let calls = 0;
    const lock = {
      tryLock: async () => {
        calls++;
        throw new Error('connect ECONNREFUSED');
      },
    };
    const { warmer, reads } = make({ companion: true, lock, errors });
    warmer.notify();
    await warmer.idle();
    expect(reads).toEqual([]);
    expect(errors).toEqual(['warning: companion vectors not embedded in the background; verifyIdentity embeds them when asked']);
    await jest.advanceTimersByTimeAsync(5000); // RETRY_MS
    await warmer.idle();
    expect(calls).toBe(2);
    await warmer.close();
  });

  it('closing during a pass stops it between chunks and releases the lock', async () => {
    const events: string[] = [];
    let unblock: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (unblock = r));
    const lock = { tryLock: async () => async () => void events.push('release') };
    const { warmer } = make({ companion: true, lock, missing: async () => (await blocked, [{ id: 'i1', bytes: new Uint8Array(1) }]) });
    warmer.notify();
    await jest.advanceTimersByTimeAsync(0);
    const closing = warmer.close();
    unblock();
    await closing;
    expect(events).toEqual(['release']);
    expect(warmer.stored).toBe(0);
  });
});
