import type { ChangeFeed, ChangeRecord } from '../../src/db/change-feed';
import type { IndexLifecycle } from '../../src/services/index-lifecycle.service';
import { ChangeFollower } from '../../src/services/replication/change-follower';
import type { ActiveModel } from '../../src/services/serving-model';

/**
 * The follower's onVectorsAdded hook (what wakes the companion warmer for other writers' enrolments): it fires for rows
 * that add vectors of the serving version only (the companion's own vectors append rows under its version, which must
 * not wake it), once per batch, and a hook that throws neither stops the follower nor makes it read the rows again.
 */
const row = (seq: number, kind: ChangeRecord['kind'], modelVersion: string): ChangeRecord => ({
  seq,
  kind,
  modelVersion,
  imageId: `img-${seq}`,
  label: seq,
  identityId: 'id-1',
  createdAt: new Date(1_700_000_000_000 + seq),
});

function follower(rows: ChangeRecord[], hook: () => void) {
  const reads: number[] = [];
  const errors: string[] = [];
  const feed: ChangeFeed = {
    pushes: false,
    head: async () => ({ seq: 0, at: '' }),
    readSince: async (after: number) => (reads.push(after), rows.filter((r) => r.seq > after)),
    subscribe: async () => async () => undefined,
  } as unknown as ChangeFeed;
  // A shared (pgvector) index: the follower applies nothing to it, which keeps this test to the hook.
  const active = { current: { version: 'served-v1', index: { kind: 'pgvector' } } } as unknown as ActiveModel;
  const f = new ChangeFollower({
    feed,
    active,
    indexes: { discard: () => undefined } as unknown as IndexLifecycle,
    store: { vectorsByLabels: async () => [] },
    adopt: async () => undefined,
    logger: { info: () => undefined, error: (m: string) => void errors.push(m) },
    pollMs: 60_000,
    onVectorsAdded: hook,
  });
  return { f, reads, errors };
}

test('fires once for a batch that adds vectors of the serving version, not for the companion version or removals', async () => {
  let calls = 0;
  const { f } = follower(
    [row(1, 'embedding.added', 'companion-v1'), row(2, 'embedding.removed', 'served-v1'), row(3, 'embedding.added', 'companion-v1')],
    () => calls++,
  );
  await f.start({ seq: 0, at: '' });
  await f.waitFor(3);
  expect(calls).toBe(0);
  await f.close();

  let calls2 = 0;
  const { f: g } = follower([row(1, 'embedding.added', 'served-v1'), row(2, 'embedding.added', 'served-v1')], () => calls2++);
  await g.start({ seq: 0, at: '' });
  await g.waitFor(2);
  expect(calls2).toBe(1);
  await g.close();
});

test('a hook that throws is logged; the rows count as applied and are not read again', async () => {
  const { f, reads, errors } = follower([row(1, 'embedding.added', 'served-v1')], () => {
    throw new Error('boom');
  });
  await f.start({ seq: 0, at: '' });
  await f.waitFor(1);
  expect(f.applied.seq).toBe(1);
  expect(errors).toEqual(['change feed listener failed']);
  f.wake();
  await f.waitFor(1);
  await new Promise((r) => setTimeout(r, 20));
  expect(reads.filter((after) => after === 0)).toHaveLength(1);
  await f.close();
});
