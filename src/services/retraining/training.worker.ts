/**
 * Entry of the training child process (forked by spawn-worker.ts). Runs one job, reports
 * over IPC, exits. If the parent goes away (killed, crashed) the IPC channel closes and
 * this process exits at once: a run never outlives the server that owns its row, and the
 * restarted server marks it FAILED (failInterrupted).
 */
import { CancelledError, DomainError } from '../../errors';
import { runTrainingJob } from './training-job';
import type { FromWorker, ToWorker, WriteRequest } from './worker-protocol';

const controller = new AbortController();
const send = (msg: FromWorker) => {
  if (process.connected) process.send!(msg);
};

// Writes go through the parent (see worker-protocol.ts); each waits for its ack.
let seq = 0;
const pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
const write = (request: WriteRequest) =>
  new Promise<void>((resolve, reject) => {
    const id = ++seq;
    pending.set(id, { resolve, reject });
    send({ type: 'write', seq: id, request });
  });

process.on('disconnect', () => process.exit(3));
// Ctrl-C (or a SIGTERM to the process group) reaches this child too: the server owns its
// lifecycle and stops it with 'cancel' during its orderly shutdown; an orphan exits on 'disconnect'.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') controller.abort();
  if (msg.type === 'ack') {
    const p = pending.get(msg.seq);
    pending.delete(msg.seq);
    if (msg.error) p?.reject(new Error(msg.error));
    else p?.resolve();
  }
  if (msg.type !== 'start') return;
  runTrainingJob(msg.job, { send, write, signal: controller.signal }).then(
    (result) => {
      send({ type: 'done', result });
      process.disconnect?.();
    },
    (e: unknown) => {
      const err = e as Error;
      if (e instanceof CancelledError) send({ type: 'cancelled' });
      else send({ type: 'error', message: err?.message ?? String(e), code: e instanceof DomainError ? e.code : undefined });
      process.disconnect?.();
    },
  );
});
send({ type: 'progress', progress: { phase: 'starting', step: 0, total: 0, loss: null, pairsPerSec: null, etaSeconds: null } });
