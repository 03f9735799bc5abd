/**
 * A FIFO async mutex: `runExclusive` runs callbacks one at a time in call order.
 * Used to serialise work on SQLite's single connection (see database.ts).
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The next caller waits for this one to settle, whether it resolved or threw.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
