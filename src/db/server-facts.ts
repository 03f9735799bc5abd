/**
 * What tells two PostgreSQL connections' servers apart (read-replica.ts, pooler.ts): the cluster (its system
 * identifier, equal on a primary and its streaming standbys), the database, and whether it is a standby.
 */
import type { Database } from './database';

export interface ServerFacts {
  system: string;
  database: string;
  inRecovery: boolean;
}

export const SERVER_FACTS_SQL =
  'SELECT (SELECT system_identifier FROM pg_control_system())::text AS system, current_database()::text AS database, ' +
  'pg_is_in_recovery() AS "inRecovery"';

/** The facts of the server behind a pool. */
export async function serverFacts(db: Database): Promise<ServerFacts> {
  const rows = await db.run((p) => p.$queryRawUnsafe<ServerFacts[]>(SERVER_FACTS_SQL));
  return rows[0];
}
