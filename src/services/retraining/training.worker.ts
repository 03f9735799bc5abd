/**
 * Entry of the training child process (forked by spawn-worker.ts). Runs one job, reports
 * over IPC, exits. If the parent goes away (killed, crashed) the IPC channel closes and
 * this process exits at once: a run never outlives the server that owns its row, and the
 * restarted server marks it FAILED (failInterrupted).
 */
import { DomainError } from '../../errors';
import { JobCancelled, runTrainingJob } from './training-job';
import type { FromWorker, ToWorker } from './worker-protocol';

const controller = new AbortController();
const send = (msg: FromWorker) => {
  if (process.connected) process.send!(msg);
};

process.on('disconnect', () => process.exit(3));
process.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') controller.abort();
  if (msg.type !== 'start') return;
  runTrainingJob(msg.job, { send, signal: controller.signal }).then(
    (result) => {
      send({ type: 'done', result });
      process.disconnect?.();
    },
    (e: unknown) => {
      const err = e as Error;
      if (e instanceof JobCancelled || err?.name === 'AbortError') send({ type: 'cancelled' });
      else send({ type: 'error', message: err?.message ?? String(e), code: e instanceof DomainError ? e.code : undefined });
      process.disconnect?.();
    },
  );
});
send({ type: 'progress', progress: { phase: 'starting', step: 0, total: 0, loss: null, pairsPerSec: null, etaSeconds: null } });
