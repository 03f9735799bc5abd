/**
 * The look-ups the services answer queries with (issue 18 item 4, read scaling). With
 * `DATABASE_READ_URL` they are served by a PostgreSQL streaming standby, never older than this
 * replica's own writes (src/db/read-replica.ts, routed-read-store.ts); without it, by the store
 * itself. Writes, the checks made before a write (name taken? identity exists?), the change feed
 * and everything that fills the in-process index use the ServiceStore: always the primary.
 */
import type { ServiceStore } from './store.port';

export type ReadStore = Pick<
  ServiceStore,
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
