import type { TrainingRunRecord } from '../../src/db';
import { RunEvents } from '../../src/services/retraining/run-events';

const run = (status: TrainingRunRecord['status'], step = 0): TrainingRunRecord => ({
  id: 'r1',
  status,
  options: {},
  progress: { step },
  metrics: null,
  baseModelVersion: 'v1',
  newModelVersion: null,
  error: null,
  createdAt: new Date(0),
  startedAt: null,
  finishedAt: null,
  heartbeatAt: null,
});

describe('run events (trainingProgress feed)', () => {
  it('yields the current state, then changes, and completes on a final state', async () => {
    const events = new RunEvents();
    const it = events.subscribe(run('QUEUED'));
    expect((await it.next()).value.status).toBe('QUEUED');
    events.publish(run('RUNNING', 1));
    expect((await it.next()).value.progress).toEqual({ step: 1 });
    const pending = it.next();
    events.publish(run('SUCCEEDED', 4));
    expect((await pending).value.status).toBe('SUCCEEDED');
    expect((await it.next()).done).toBe(true);
    expect(events.subscriberCount('r1')).toBe(0);
  });

  it('a slow subscriber gets only the newest state (no backlog)', async () => {
    const events = new RunEvents();
    const it = events.subscribe(run('RUNNING', 0));
    await it.next();
    for (let s = 1; s <= 100; s++) events.publish(run('RUNNING', s));
    expect((await it.next()).value.progress).toEqual({ step: 100 });
    await it.return!();
    expect(events.subscriberCount('r1')).toBe(0);
  });

  it('subscribing to a finished run yields it once and completes', async () => {
    const events = new RunEvents();
    const it = events.subscribe(run('FAILED'));
    expect((await it.next()).value.status).toBe('FAILED');
    expect((await it.next()).done).toBe(true);
  });
});
