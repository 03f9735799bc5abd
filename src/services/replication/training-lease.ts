/**
 * The training lease across replicas (issue 18). One run at a time is the database's unique
 * active slot (TrainingRunRepository.create); what replicas add is recovery: the replica holding
 * a run heartbeats its row (every 5 s), and if it crashes or loses the database the heartbeat
 * stops. Every replica sweeps now and then and marks a run whose heartbeat is older than the
 * lease FAILED (compare-and-set on the stale heartbeat), which frees the slot for the next
 * `retrain`. The holder itself notices at its next heartbeat (the row is no longer active) and
 * stops its training process.
 */
import type { Logger } from '../logger';

export interface ExpiringRuns {
  failExpired(leaseMs: number): Promise<string[]>;
}

export class TrainingLeaseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly runs: ExpiringRuns,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    // Half the lease: an expired run is noticed at most 1.5 leases after its last heartbeat.
    this.timer = setInterval(() => void this.sweep(), Math.max(500, Math.floor(this.leaseMs / 2)));
    this.timer.unref();
  }

  /** One sweep (also what the timer runs); failures are logged, never thrown. */
  sweep(): Promise<void> {
    this.sweeping ??= this.runs
      .failExpired(this.leaseMs)
      .then((failed) => {
        if (failed.length > 0)
          this.logger.error('training runs whose server stopped heartbeating marked FAILED', { runs: failed, leaseMs: this.leaseMs });
      })
      .catch((e: Error) => this.logger.error('training lease sweep failed', { error: e.message }))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }
}
