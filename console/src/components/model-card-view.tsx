/** The model card's sections for people: intended use and limitations, data, metrics with their intervals. */

export interface CardMetric {
  source: string;
  name: string;
  value: number;
  sample: string | null;
  command: string | null;
  baseline: boolean;
  interval: { low: number; high: number; level: number; method: string | null } | null;
}

export interface CardCurvePoint {
  epoch: number;
  step: number | null;
  loss: number | null;
  valAuc: number | null;
  valEer: number | null;
  valOneShot: number | null;
  elapsedSec: number | null;
  best: boolean;
}

export interface ModelCardInfo {
  notes: string | null;
  warnings: string[];
  intendedUse: {
    summary: string;
    intendedFor: string[];
    notFor: string[];
    photos: string | null;
    trainedOn: string | null;
    calibratedOn: string | null;
    failureModes: string[];
    measured: Array<{ what: string; value: string; ci95: string | null; command: string | null }>;
  } | null;
  data: {
    sources: string[];
    identities: number | null;
    images: number | null;
    trainIdentities: number | null;
    validationIdentities: number | null;
    duplicatesDropped: number | null;
    facelessDropped: number | null;
  };
  metrics: CardMetric[];
  learningCurves: Array<{ name: string; keptEpoch: number | null; points: CardCurvePoint[] }>;
  trainCommand: string | null;
  evaluateCommands: string[];
}

export const CARD_FIELDS = `notes warnings
  intendedUse { summary intendedFor notFor photos trainedOn calibratedOn failureModes measured { what value ci95 command } }
  data { sources identities images trainIdentities validationIdentities duplicatesDropped facelessDropped }
  metrics { source name value sample command baseline interval { low high level method } }
  learningCurves { name keptEpoch points { epoch step loss valAuc valEer valOneShot elapsedSec best } }
  trainCommand evaluateCommands`;

const METRIC_LABELS: Record<string, string> = {
  auc: 'AUC',
  eer: 'EER',
  accuracyAtDefault: 'accuracy at the default threshold',
  tarAtFar1e2: 'TAR at FAR 1e-2',
  tarAtFar1e3: 'TAR at FAR 1e-3',
  oneShotAccuracy: 'one-shot accuracy',
};

/** AUC as a number, every other metric (rates) as a percentage. */
export function formatMetric(name: string, v: number): string {
  return name === 'auc' ? v.toFixed(4) : `${(v * 100).toFixed(2)} %`;
}

const n = (v: number | null) => (v === null ? '—' : v.toLocaleString('en-US'));

function List(props: { items: string[]; label: string }) {
  if (props.items.length === 0) return <p class="hint">The card lists none.</p>;
  return (
    <ul aria-label={props.label}>
      {props.items.map((s) => (
        <li key={s}>{s}</li>
      ))}
    </ul>
  );
}

export function IntendedUseSection(props: { card: ModelCardInfo }) {
  const u = props.card.intendedUse;
  return (
    <section aria-labelledby="card-use" class="card-section" data-testid="card-intended-use">
      <h2 id="card-use">Intended use and limitations</h2>
      {props.card.warnings.length > 0 && (
        <div class="warnings" role="note" aria-label="training warnings">
          {props.card.warnings.map((w) => (
            <p key={w}>⚠ {w}</p>
          ))}
        </div>
      )}
      {u ? (
        <>
          <p>{u.summary}</p>
          <div class="two-col">
            <div>
              <h3>Intended for</h3>
              <List items={u.intendedFor} label="intended for" />
            </div>
            <div>
              <h3>Not for</h3>
              <List items={u.notFor} label="not for" />
            </div>
          </div>
          <h3>Known failure modes</h3>
          <List items={u.failureModes} label="known failure modes" />
          <dl class="card wide">
            {u.photos && (
              <>
                <dt>Photos it expects</dt>
                <dd>{u.photos}</dd>
              </>
            )}
            {u.trainedOn && (
              <>
                <dt>Trained on</dt>
                <dd>{u.trainedOn}</dd>
              </>
            )}
            {u.calibratedOn && (
              <>
                <dt>Calibrated on</dt>
                <dd>{u.calibratedOn}</dd>
              </>
            )}
          </dl>
        </>
      ) : (
        <p class="hint" data-testid="no-intended-use">
          This card states no intended use (node scripts/set-intended-use.js writes one); read the notes and the numbers below.
        </p>
      )}
      {props.card.notes && (
        <>
          <h3>Notes</h3>
          <p class="notes">{props.card.notes}</p>
        </>
      )}
    </section>
  );
}

export function DataSection(props: { card: ModelCardInfo }) {
  const d = props.card.data;
  return (
    <section aria-labelledby="card-data" class="card-section" data-testid="card-data">
      <h2 id="card-data">Data</h2>
      <dl class="card wide">
        <dt>Sources</dt>
        <dd>
          {d.sources.length ? (
            <ul class="plain">
              {d.sources.map((s) => (
                <li key={s}>
                  <code>{s}</code>
                </li>
              ))}
            </ul>
          ) : (
            '—'
          )}
        </dd>
        <dt>Identities</dt>
        <dd>
          {n(d.identities)} ({n(d.trainIdentities)} for training, {n(d.validationIdentities)} held out for validation and calibration)
        </dd>
        <dt>Images</dt>
        <dd>{n(d.images)}</dd>
        {d.duplicatesDropped !== null && (
          <>
            <dt>Duplicates dropped</dt>
            <dd>{n(d.duplicatesDropped)}</dd>
          </>
        )}
        {d.facelessDropped !== null && (
          <>
            <dt>Without a detectable face</dt>
            <dd>{n(d.facelessDropped)}</dd>
          </>
        )}
        {props.card.trainCommand && (
          <>
            <dt>Trained with</dt>
            <dd>
              <code class="command">{props.card.trainCommand}</code>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

/**
 * Metrics grouped by where they were measured, in the card's order. A group's sample and command
 * are those of its first metric that has one (a one-shot run inside an eval report has its own sample).
 */
function groupBySource(metrics: CardMetric[]) {
  const groups: Array<{ source: string; baseline: boolean; sample: string | null; command: string | null; metrics: CardMetric[] }> = [];
  for (const m of metrics) {
    let g = groups.find((x) => x.source === m.source);
    if (!g) groups.push((g = { source: m.source, baseline: m.baseline, sample: null, command: null, metrics: [] }));
    g.sample ??= m.sample;
    g.command ??= m.command;
    g.metrics.push(m);
  }
  return groups;
}

export function MetricsSection(props: { card: ModelCardInfo }) {
  const { metrics, intendedUse } = props.card;
  return (
    <section aria-labelledby="card-metrics" class="card-section" data-testid="card-metrics">
      <h2 id="card-metrics">Metrics</h2>
      {metrics.length === 0 ? (
        <p class="hint">The card has no metrics.</p>
      ) : (
        <table class="metrics">
          <caption class="visually-hidden">measured metrics with their confidence intervals, by where they were measured</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Value</th>
              <th scope="col">Interval</th>
            </tr>
          </thead>
          {groupBySource(metrics).map((g) => (
            <tbody key={g.source} class={g.baseline ? 'baseline' : ''}>
              <tr class="group" data-source={g.source}>
                <th scope="rowgroup" colSpan={3}>
                  {g.source}
                  {g.baseline && <span class="badge unknown">baseline</span>}
                  {g.sample && <span class="sample"> · {g.sample}</span>}
                  {g.command && (
                    <div>
                      <code class="command">{g.command}</code>
                    </div>
                  )}
                </th>
              </tr>
              {g.metrics.map((m) => (
                <tr key={m.name} data-metric={`${m.source}/${m.name}`}>
                  <td>
                    {METRIC_LABELS[m.name] ?? m.name}
                    {m.sample && m.sample !== g.sample && <span class="hint small"> ({m.sample})</span>}
                  </td>
                  <td class="num">{formatMetric(m.name, m.value)}</td>
                  <td class="num">
                    {m.interval
                      ? `${Math.round(m.interval.level * 100)} % ${formatMetric(m.name, m.interval.low)} – ${formatMetric(m.name, m.interval.high)}${m.interval.method ? ` (${m.interval.method})` : ''}`
                      : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
      <p class="hint">— : the card gives no interval for that number (validation numbers are the calibration set's own).</p>
      {intendedUse && intendedUse.measured.length > 0 && (
        <>
          <h3>Measured claims</h3>
          <table class="metrics">
            <caption class="visually-hidden">measured claims written on the card</caption>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Value</th>
                <th scope="col">95 % interval</th>
                <th scope="col">Command</th>
              </tr>
            </thead>
            <tbody>
              {intendedUse.measured.map((m) => (
                <tr key={m.what}>
                  <td>{m.what}</td>
                  <td>{m.value}</td>
                  <td>{m.ci95 ?? '—'}</td>
                  <td>{m.command ? <code class="command">{m.command}</code> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
