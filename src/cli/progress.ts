/**
 * A small progress bar for long CLI jobs: `[█████·····] 52% loss 0.213 · 84 pairs/s · ETA 3m10s`.
 * On a TTY it redraws one line (at most ~10×/s); otherwise it prints a plain
 * line every `plainEverySec` seconds so logs stay readable.
 */
export interface ProgressStats {
  done: number;
  total: number;
  /** Extra fields shown after the bar, in order, e.g. { loss: '0.213', 'pairs/s': '84' }. */
  fields?: Record<string, string>;
  etaSec?: number;
}

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 24,
    private readonly plainEverySec = 10,
    private readonly label = '',
  ) {}

  get isTty(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(s: ProgressStats): void {
    const now = Date.now();
    const finished = s.done >= s.total;
    if (this.isTty) {
      if (!finished && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const cols = this.out.columns ?? 100;
      this.out.write(`\r${formatLine(s, this.width, this.label).slice(0, cols - 1)}\x1b[K`);
      this.drawn = true;
    } else {
      if (!finished && now - this.lastDraw < this.plainEverySec * 1000) return;
      this.lastDraw = now;
      this.out.write(`${formatLine(s, 0, this.label)}\n`);
    }
  }

  /** Ends the bar's line so the next output starts clean. */
  done(): void {
    if (this.isTty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  /** Prints a message above the bar without garbling it. */
  log(message: string): void {
    if (this.isTty && this.drawn) this.out.write('\r\x1b[K');
    this.out.write(`${message}\n`);
    this.drawn = false;
  }
}

export function formatLine(s: ProgressStats, width: number, label = ''): string {
  const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const bar = width > 0 ? `[${'█'.repeat(Math.round(frac * width))}${'·'.repeat(width - Math.round(frac * width))}] ` : '';
  const fields = Object.entries(s.fields ?? {}).map(([k, v]) => (k.startsWith('/') || k.includes('/') ? `${v} ${k}` : `${k} ${v}`));
  if (s.etaSec !== undefined && Number.isFinite(s.etaSec)) fields.push(`ETA ${formatDuration(s.etaSec)}`);
  return `${label ? `${label} ` : ''}${bar}${pct} ${s.done}/${s.total}${fields.length ? ' · ' + fields.join(' · ') : ''}`;
}

export function formatDuration(sec: number): string {
  const t = Math.max(0, Math.round(sec));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
