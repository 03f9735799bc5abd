import { DomainError, ErrorCode } from '../errors';

/**
 * Admission control for image jobs (issue 13): decoding, face detection and
 * embedding are CPU- and memory-heavy, and before this every request started
 * its decode at once, so 32 clients sending 4096² photos ran 32 decodes on two
 * cores (p99 57 s, RSS ×3). Here a job must first get its weight out of a
 * fixed budget:
 *
 * - weight: the caller's measure of the job (the services use declared
 *   megapixels, at least 1 per image; an allowed SVG weighs the whole budget,
 *   its cost not being in its header). A job heavier than the budget takes all of
 *   it but a reserve of an eighth (for budgets over 4 units) that light jobs use.
 * - at most `capacity` units run at once; the rest wait in a queue of at most
 *   `maxQueued` units and at most `maxWaitMs`. A job that finds the queue full,
 *   or waits too long, is refused at once with SERVER_BUSY and `retryAfterMs`:
 *   the queue sheds load instead of growing (memory stays bounded: a queued job
 *   holds only its encoded bytes).
 * - order: start-time fair queuing over size classes (weights grouped by
 *   powers of two), so a burst of heavy photos takes its share of the budget and
 *   does not hold up light requests queued behind it, and light ones cannot
 *   starve a heavy one either (the queue head is never overtaken for lack of room).
 * - time: a job running longer than `jobTimeoutMs` is answered DECODE_TIMEOUT.
 *   libvips cannot be cancelled mid-decode, so the job's weight stays taken until
 *   the work really ends: the budget bounds what runs, including abandoned work.
 *
 * Everything here is in memory on the event loop (no I/O): `stats()` is safe
 * to serve from /healthz.
 */
export interface DecodeAdmissionOptions {
  /** Units that may run at once (≥ 1). */
  capacity: number;
  /** Units that may wait; a job that would exceed it is refused (0: never wait). */
  maxQueued: number;
  /** Longest wait for room before SERVER_BUSY (ms; 0: refuse unless there is room now). */
  maxWaitMs: number;
  /** Time budget of one running job (ms; 0: none). */
  jobTimeoutMs: number;
}

export interface DecodeAdmissionStats {
  capacity: number;
  runningJobs: number;
  runningUnits: number;
  queuedJobs: number;
  queuedUnits: number;
  /** Since start: jobs refused with SERVER_BUSY (queue full or wait too long). */
  shed: number;
  /** Since start: jobs answered DECODE_TIMEOUT. */
  timedOut: number;
  /**
   * A job of the heaviest weight (`maxUnitsPerJob`) arriving now would be refused at once:
   * the HTTP door then refuses large request bodies before reading them (src/server/shed-when-busy.ts).
   */
  saturated: boolean;
}

interface Waiting {
  units: number;
  start: number;
  seq: number;
  begin: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class DecodeAdmission {
  private readonly queue: Waiting[] = [];
  private readonly lastFinish = new Map<string, number>();
  private virtualTime = 0;
  private seq = 0;
  private running = 0;
  private runningUnits = 0;
  private queuedUnits = 0;
  private shed = 0;
  private timedOut = 0;
  /** Smoothed duration of a job (ms), for the retry hint. */
  private typicalJobMs = 250;

  constructor(private readonly opts: DecodeAdmissionOptions) {
    if (!(opts.capacity >= 1)) throw new RangeError('DecodeAdmission: capacity must be ≥ 1');
  }

  get capacity(): number {
    return this.opts.capacity;
  }

  /**
   * The most one job takes: the whole budget when it is small, else all but an eighth,
   * so ordinary requests (1–2 units) still run beside a photo heavier than the budget.
   */
  get maxUnitsPerJob(): number {
    const c = this.opts.capacity;
    return c > 4 ? c - Math.ceil(c / 8) : c;
  }

  /** Runs `job` once `weight` units are free (see the class comment); the units are returned when it settles. */
  run<T>(weight: number, job: () => Promise<T>): Promise<T> {
    const units = Math.min(this.maxUnitsPerJob, Math.max(1, Number.isFinite(weight) ? Math.ceil(weight) : this.opts.capacity));
    const group = sizeClass(units);
    const start = Math.max(this.virtualTime, this.lastFinish.get(group) ?? 0);
    this.lastFinish.set(group, start + units);
    const seq = this.seq++;

    if (this.hasRoomNow(units)) {
      this.virtualTime = start;
      return this.execute(units, job);
    }
    if (!this.mayWait(units)) {
      this.lastFinish.set(group, start); // the refused job takes no share
      return Promise.reject(this.busy(units, 'the image queue is full'));
    }
    return new Promise<T>((resolve, reject) => {
      const waiting: Waiting = {
        units,
        start,
        seq,
        timer: undefined,
        begin: () => this.execute(units, job).then(resolve, reject),
      };
      waiting.timer = setTimeout(() => {
        const i = this.queue.indexOf(waiting);
        if (i < 0) return;
        this.queue.splice(i, 1);
        this.queuedUnits -= units;
        reject(this.busy(units, `no image slot came free within ${this.opts.maxWaitMs} ms`));
        // The head may have been this job: the next one may fit now.
        this.dispatch();
      }, this.opts.maxWaitMs);
      this.queue.push(waiting);
      this.queuedUnits += units;
      this.dispatch();
    });
  }

  stats(): DecodeAdmissionStats {
    return {
      capacity: this.opts.capacity,
      runningJobs: this.running,
      runningUnits: this.runningUnits,
      queuedJobs: this.queue.length,
      queuedUnits: this.queuedUnits,
      shed: this.shed,
      timedOut: this.timedOut,
      saturated: this.wouldRefuse(this.maxUnitsPerJob),
    };
  }

  /**
   * How many jobs of the heaviest weight the budget and the queue hold together (at least 1):
   * the HTTP door reads at most this many large request bodies at once (src/server/shed-when-busy.ts).
   */
  get heavyJobSlots(): number {
    const heavy = this.maxUnitsPerJob;
    return Math.max(1, Math.floor(this.opts.capacity / heavy) + Math.floor(this.opts.maxQueued / heavy));
  }

  /** Whether a job of `units` arriving now would be refused at once with SERVER_BUSY (the rule of `run`). */
  wouldRefuse(units: number): boolean {
    return !this.hasRoomNow(units) && !this.mayWait(units);
  }

  /** The retry hint a job of `units` refused now would carry (ms): the backlog in typical job times. */
  retryAfterMs(units = this.maxUnitsPerJob): number {
    const backlog = (this.queuedUnits + this.runningUnits + units) / this.opts.capacity;
    return Math.max(100, Math.round(this.typicalJobMs * Math.max(1, backlog)));
  }

  private hasRoomNow(units: number): boolean {
    return this.queue.length === 0 && this.runningUnits + units <= this.opts.capacity;
  }

  private mayWait(units: number): boolean {
    return this.queuedUnits + units <= this.opts.maxQueued && this.opts.maxWaitMs > 0;
  }

  private execute<T>(units: number, job: () => Promise<T>): Promise<T> {
    this.running++;
    this.runningUnits += units;
    const began = Date.now();
    // Promise.resolve().then: a job that throws synchronously still returns its units.
    const work = Promise.resolve().then(job);
    void work
      .catch(() => undefined)
      .then(() => {
        this.running--;
        this.runningUnits -= units;
        this.typicalJobMs = 0.8 * this.typicalJobMs + 0.2 * (Date.now() - began);
        this.dispatch();
      });
    if (!(this.opts.jobTimeoutMs > 0)) return work;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timedOut++;
        reject(
          new DomainError(ErrorCode.DECODE_TIMEOUT, `the image took longer than ${this.opts.jobTimeoutMs} ms to decode and embed`, {
            timeoutMs: this.opts.jobTimeoutMs,
          }),
        );
      }, this.opts.jobTimeoutMs);
      work.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** Starts queued jobs in start-tag order while the head fits (the head is never overtaken). */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let head = 0;
      for (let i = 1; i < this.queue.length; i++) {
        const a = this.queue[i];
        const b = this.queue[head];
        if (a.start < b.start || (a.start === b.start && a.seq < b.seq)) head = i;
      }
      const next = this.queue[head];
      if (this.runningUnits + next.units > this.opts.capacity) return;
      this.queue.splice(head, 1);
      this.queuedUnits -= next.units;
      if (next.timer) clearTimeout(next.timer);
      this.virtualTime = Math.max(this.virtualTime, next.start);
      next.begin();
    }
    // Idle: forget finish tags, so an old burst does not count against a class later.
    if (this.running === 0) this.lastFinish.clear();
  }

  private busy(units: number, why: string): DomainError {
    this.shed++;
    const retryAfterMs = this.retryAfterMs(units);
    return new DomainError(ErrorCode.SERVER_BUSY, `the server is busy decoding images (${why}): retry in ${retryAfterMs} ms`, {
      retryAfterMs,
    });
  }
}

/** Weights grouped by powers of two: 1, 2, 3–4, 5–8, … */
function sizeClass(units: number): string {
  return String(Math.ceil(Math.log2(units)));
}
