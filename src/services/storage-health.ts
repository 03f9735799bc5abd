import type { StorageObserver } from '../db/database';
import type { StorageProblem } from '../db/storage-errors';
import type { Logger } from './logger';

/**
 * Whether the service can write right now, kept in memory by the writers
 * themselves so /healthz can answer without touching the disk (a health check
 * must never wait on the storage it reports on).
 *
 * Each area is degraded from its first failed write until its next successful
 * one: the database (reported by src/db through `databaseObserver`) and the
 * saved index (reported by IndexLifecycle). Reads are served from memory and
 * the database throughout, so degraded means "writes fail", not "down".
 */
export type StorageArea = 'database' | 'index';

export interface StorageFailure {
  area: StorageArea;
  problem: StorageProblem;
  /** When the area started failing (ISO time); unchanged by repeated failures. */
  since: string;
  /** The latest failure's message (a filesystem or database message, no data). */
  message: string;
}

export interface StorageHealthSnapshot {
  status: 'ok' | 'degraded';
  storage: StorageFailure[];
}

export class StorageHealth {
  private readonly failures = new Map<StorageArea, StorageFailure>();
  private readonly writableListeners = new Set<() => void>();

  constructor(private readonly logger: Logger) {}

  failed(area: StorageArea, problem: StorageProblem, error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    const message = (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
    const prior = this.failures.get(area);
    // One log line per outage, not one per refused request.
    if (!prior) this.logger.error('storage write failed: service degraded (reads still work)', { area, problem, error: message });
    this.failures.set(area, { area, problem, since: prior?.since ?? new Date().toISOString(), message });
  }

  succeeded(area: StorageArea): void {
    if (!this.failures.delete(area)) return;
    this.logger.info('storage writable again', { area });
    for (const listener of this.writableListeners) listener();
  }

  /** Called whenever an area recovers (IndexLifecycle retries its pending save then). */
  onWritable(listener: () => void): () => void {
    this.writableListeners.add(listener);
    return () => this.writableListeners.delete(listener);
  }

  get degraded(): boolean {
    return this.failures.size > 0;
  }

  snapshot(): StorageHealthSnapshot {
    return { status: this.degraded ? 'degraded' : 'ok', storage: [...this.failures.values()].map((f) => ({ ...f })) };
  }

  /** The database's observer (src/db reports COMMITs and refused operations to it). */
  databaseObserver(): StorageObserver {
    return { wrote: () => this.succeeded('database'), failed: (problem, error) => this.failed('database', problem, error) };
  }
}
