/**
 * Live updates of training runs for the `trainingProgress` subscription: a listener set
 * per run id and an async iterator per subscriber that yields the latest run state and
 * ends once the run is final. Slow subscribers only ever see the newest state (a
 * progress feed, not a log): nothing piles up.
 */
import type { TrainingRunRecord } from '../../db';
import { FINAL_TRAINING_STATUSES } from '../../db';

type Listener = (run: TrainingRunRecord) => void;

export class RunEvents {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(run: TrainingRunRecord): void {
    for (const l of this.listeners.get(run.id) ?? []) l(run);
  }

  /** `first` is the state at subscription time (yielded first). */
  subscribe(first: TrainingRunRecord): AsyncIterableIterator<TrainingRunRecord> {
    const id = first.id;
    let latest: TrainingRunRecord | undefined = first;
    let done = false;
    let wake: (() => void) | undefined;
    const listener: Listener = (run) => {
      latest = run;
      wake?.();
    };
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    const stop = () => {
      done = true;
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
      wake?.();
    };
    const iterator: AsyncIterableIterator<TrainingRunRecord> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (!done && latest === undefined) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (latest === undefined) return { done: true, value: undefined };
        const value: TrainingRunRecord = latest;
        latest = undefined;
        if (FINAL_TRAINING_STATUSES.includes(value.status)) stop();
        return { done: false, value };
      },
      return: async () => {
        stop();
        return { done: true, value: undefined };
      },
    };
    if (FINAL_TRAINING_STATUSES.includes(first.status)) set.delete(listener);
    return iterator;
  }

  subscriberCount(id: string): number {
    return this.listeners.get(id)?.size ?? 0;
  }
}
