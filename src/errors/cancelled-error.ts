/**
 * The one "stopped on request" error: an AbortSignal fired (an admin's cancel, a server
 * shutdown). The training loop and the retraining job throw it; whoever reports the outcome
 * tests `instanceof CancelledError`, never an error's name or message (a library's own
 * 'AbortError' is a different thing: a failed fetch is not a cancelled run).
 */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError once `signal` has fired; a no-op without a signal. */
export function throwIfCancelled(signal: AbortSignal | undefined, message?: string): void {
  if (signal?.aborted) throw new CancelledError(message);
}
