/**
 * The reads the services answer queries with (src/services/read-store.port.ts), routed between a
 * streaming standby and the primary (issue 18 item 4; read-replica.ts says when the standby may
 * answer). Writes, the change feed and everything that feeds the in-process index stay on the
 * primary DbStore; only these query-time look-ups move.
 *
 * Looking up by id or label, an id the standby does not have is looked up again on the primary:
 * ids reach a caller from some replica's write (an enrollment through another replica, a label the
 * change feed already put into this replica's index) that the standby may not have replayed yet,
 * and a miss would answer NOT_FOUND or drop a search hit. Rows found on the standby are
 * at least as new as this replica's own writes (the WAL-position fence). Lists and counts
 * (`pageIdentities`, `countIdentities`) are answered as the standby has them: they may trail other
 * replicas' writes by the standby's lag, never this replica's.
 */
import type { DbStore } from './service-store';
import type { ReadReplica, ReadTarget } from './read-replica';

type Reader = Pick<
  DbStore,
  | 'findIdentity'
  | 'findIdentities'
  | 'pageIdentities'
  | 'countIdentities'
  | 'listImages'
  | 'findImage'
  | 'imageBytes'
  | 'findVector'
  | 'ownersOfLabels'
>;

export class RoutedReadStore implements Reader {
  constructor(
    private readonly primary: Reader,
    private readonly standby: Reader,
    private readonly replica: ReadReplica,
  ) {}

  findIdentity(id: string) {
    return this.orPrimaryWhenMissing((s) => s.findIdentity(id));
  }

  findIdentities(ids: string[]) {
    return this.completeOnPrimary(
      ids,
      (s, some) => s.findIdentities(some),
      (r) => r.id,
    );
  }

  pageIdentities(after: Parameters<Reader['pageIdentities']>[0], take: number) {
    return this.route((s) => s.pageIdentities(after, take)).then((r) => r.value);
  }

  countIdentities() {
    return this.route((s) => s.countIdentities()).then((r) => r.value);
  }

  /** An empty list may be an identity the standby has not replayed yet: confirmed on the primary. */
  async listImages(identityId: string) {
    const first = await this.route((s) => s.listImages(identityId));
    if (first.servedBy === 'primary' || first.value.length > 0) return first.value;
    this.replica.confirmedOnPrimary();
    return this.primary.listImages(identityId);
  }

  findImage(id: string) {
    return this.orPrimaryWhenMissing((s) => s.findImage(id));
  }

  imageBytes(id: string) {
    return this.orPrimaryWhenMissing((s) => s.imageBytes(id));
  }

  findVector(imageId: string, modelVersion: string) {
    return this.orPrimaryWhenMissing((s) => s.findVector(imageId, modelVersion));
  }

  ownersOfLabels(modelVersion: string, labels: number[]) {
    return this.completeOnPrimary(
      labels,
      (s, some) => s.ownersOfLabels(modelVersion, some),
      (o) => o.label,
    );
  }

  /** Runs a read where the fence says, the primary when the standby fails it. */
  private async route<T>(read: (s: Reader) => Promise<T>): Promise<{ value: T; servedBy: ReadTarget }> {
    const target = await this.replica.choose();
    if (target === 'standby') {
      try {
        const value = await read(this.standby);
        this.replica.served('standby');
        return { value, servedBy: 'standby' };
      } catch (e) {
        this.replica.standbyFailed(e);
      }
    }
    const value = await read(this.primary);
    this.replica.served('primary');
    return { value, servedBy: 'primary' };
  }

  private async orPrimaryWhenMissing<T>(read: (s: Reader) => Promise<T | null>): Promise<T | null> {
    const first = await this.route(read);
    if (first.value !== null || first.servedBy === 'primary') return first.value;
    this.replica.confirmedOnPrimary();
    return read(this.primary);
  }

  private async completeOnPrimary<K, T>(keys: K[], read: (s: Reader, some: K[]) => Promise<T[]>, keyOf: (row: T) => K): Promise<T[]> {
    if (keys.length === 0) return [];
    const first = await this.route((s) => read(s, keys));
    if (first.servedBy === 'primary') return first.value;
    const found = new Set(first.value.map(keyOf));
    const missing = keys.filter((k) => !found.has(k));
    if (missing.length === 0) return first.value;
    this.replica.confirmedOnPrimary();
    return [...first.value, ...(await read(this.primary, missing))];
  }
}
