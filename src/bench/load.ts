import { summarize, type LatencySummary } from './stats';

/**
 * Closed-loop load generator: `concurrency` virtual clients each send a request,
 * wait for its answer, and send the next, until `requests` have been sent in
 * total. Reports the latency distribution and the achieved requests/s. Failed
 * requests are counted, not timed (a fast error must not flatter the latency).
 */
export interface LoadResult {
  concurrency: number;
  requests: number;
  errors: number;
  firstError?: string;
  wallMs: number;
  requestsPerSec: number;
  latency: LatencySummary | null;
}

export async function runLoad(send: (i: number) => Promise<void>, concurrency: number, requests: number): Promise<LoadResult> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const client = async () => {
    while (next < requests) {
      const i = next++;
      const t = performance.now();
      try {
        await send(i);
        latencies.push(performance.now() - t);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, requests)) }, client));
  const wallMs = performance.now() - start;
  return {
    concurrency,
    requests,
    errors,
    firstError,
    wallMs,
    requestsPerSec: latencies.length / (wallMs / 1000),
    latency: latencies.length > 0 ? summarize(latencies) : null,
  };
}
