import { useContext, useEffect, useState } from 'preact/hooks';
import { rocSvg, type RocMark } from '../../../src/training/calibration/roc-svg';
import { errorText, gql } from '../api';
import { LearningCurve } from '../components/learning-curve';
import { CARD_FIELDS, DataSection, IntendedUseSection, MetricsSection, type ModelCardInfo } from '../components/model-card-view';
import { SessionContext } from '../session';

interface RocPoint {
  far: number;
  tar: number;
  threshold: number;
}

interface OpenSet {
  galleryImages: number;
  alpha: number | null;
  threshold: number;
  perComparisonFar: number | null;
  rule: string;
}

interface ModelInfo {
  name: string;
  version: string;
  fingerprint: string;
  metric: string;
  embeddingDim: number;
  createdAt: string;
  auc: number;
  eer: number;
  indexedVectors: number;
  thresholds: { default: number; defaultRule: string; eer: number; maxAccuracy: number; atTargetFar: number; targetFar: number };
  roc: RocPoint[];
  openSet: OpenSet;
  card: ModelCardInfo;
  /** SIAMESE_COMPANION_MODEL: the second encoder that answers verifyIdentity from fromReferences references on. */
  companion: {
    name: string;
    version: string;
    fromReferences: number;
    thresholds: { references: { references: number; threshold: number }[]; referenceShift: number | null };
  } | null;
}

interface Version {
  version: string;
  name: string;
  active: boolean;
  createdAt: string;
  activatedAt: string | null;
  eer: number | null;
  auc: number | null;
  threshold: number | null;
  card: { notes: string | null; intendedUse: { summary: string } | null };
}

const OPEN_SET_FIELDS = 'galleryImages alpha threshold perComparisonFar rule';
const MODEL_QUERY = `{ model { name version fingerprint metric embeddingDim createdAt auc eer indexedVectors
  thresholds { default defaultRule eer maxAccuracy atTargetFar targetFar } roc { far tar threshold }
  openSet { ${OPEN_SET_FIELDS} } card { ${CARD_FIELDS} }
  companion { name version fromReferences thresholds { references { references threshold } referenceShift } } } }`;
const VERSIONS_QUERY = `{ modelVersions { version name active createdAt activatedAt eer auc threshold card { notes intendedUse { summary } } } }`;

/** The ROC point a distance threshold gives (linear between the calibrated points; accept when d ≤ t). */
export function rocAt(roc: RocPoint[], threshold: number): { far: number; tar: number } {
  const pts = [...roc].sort((a, b) => a.threshold - b.threshold);
  if (pts.length === 0) return { far: 0, tar: 0 };
  if (threshold <= pts[0].threshold) return { far: pts[0].far, tar: pts[0].tar };
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i - 1];
    const q = pts[i];
    if (threshold <= q.threshold) {
      const s = q.threshold === p.threshold ? 1 : (threshold - p.threshold) / (q.threshold - p.threshold);
      return { far: p.far + s * (q.far - p.far), tar: p.tar + s * (q.tar - p.tar) };
    }
  }
  const last = pts[pts.length - 1];
  return { far: last.far, tar: last.tar };
}

/** "Roll back" = the version that served most recently before the current one (the latest activation among the others). */
export function rollbackTarget(versions: Version[]): Version | null {
  const served = versions.filter((v) => !v.active && v.activatedAt !== null);
  served.sort((a, b) => Date.parse(b.activatedAt!) - Date.parse(a.activatedAt!));
  return served[0] ?? null;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const far = (v: number) => (v >= 1e-3 ? pct(v) : v.toExponential(2));

function OpenSetPanel(props: { current: OpenSet; roc: RocPoint[] }) {
  const [size, setSize] = useState('');
  const [whatIf, setWhatIf] = useState<OpenSet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const describe = (o: OpenSet) => {
    const at = rocAt(props.roc, o.threshold);
    return `d ≤ ${o.threshold.toPrecision(4)} (${o.rule === 'open-set' ? `open-set rule, per-comparison FAR ${far(o.perComparisonFar!)}` : "the card's 1:1 default"}; validation FAR ${far(at.far)}, TAR ${pct(at.tar)})`;
  };
  const c = props.current;
  return (
    <section aria-labelledby="open-set-title" class="card-section">
      <h2 id="open-set-title">Open-set threshold</h2>
      <p>
        A search compares a stranger with every enrolled image, so its threshold tightens as the gallery grows
        {c.alpha !== null
          ? ` (target: at most ${pct(c.alpha)} of strangers matched)`
          : ' (the open-set rule is off: SIAMESE_OPEN_SET_FAR=off)'}
        .
      </p>
      <p data-testid="open-set-threshold" data-threshold={String(c.threshold)} data-gallery={String(c.galleryImages)}>
        <strong>
          Current gallery, {c.galleryImages.toLocaleString('en-US')} image{c.galleryImages === 1 ? '' : 's'}:
        </strong>{' '}
        {describe(c)}
      </p>
      <form
        class="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const d = await gql<{ model: { openSet: OpenSet } }>(
              `query OpenSet($n: Int!) { model { openSet(galleryImages: $n) { ${OPEN_SET_FIELDS} } } }`,
              {
                n: Number(size),
              },
            );
            setWhatIf(d.model.openSet);
          } catch (err) {
            setWhatIf(null);
            setError(errorText(err));
          }
        }}
      >
        <label for="gallery-size">Another gallery size (images)</label>
        <input id="gallery-size" type="number" min={1} step={1} required value={size} onInput={(e) => setSize(e.currentTarget.value)} />
        <button type="submit">Compute threshold</button>
      </form>
      {whatIf && (
        <p role="status" data-testid="open-set-what-if">
          {whatIf.galleryImages.toLocaleString('en-US')} images: {describe(whatIf)}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}

/** The serving model: its card, ROC on a log FAR axis with its operating points, learning curve, and the versions. */
export function ModelPage() {
  const session = useContext(SessionContext);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = () => {
    gql<{ model: ModelInfo }>(MODEL_QUERY)
      .then((d) => setModel(d.model))
      .catch((e) => setError(errorText(e)));
    if (session.isAdmin) {
      gql<{ modelVersions: Version[] }>(VERSIONS_QUERY)
        .then((d) => setVersions(d.modelVersions))
        .catch((e) => setError(errorText(e)));
    }
  };
  useEffect(load, [session.isAdmin]);

  const activate = async (v: Version, question: string, verb: string) => {
    if (!window.confirm(question)) return;
    setBusy(v.version);
    setError(null);
    setDone(null);
    try {
      const d = await gql<{ activateModel: { version: string } }>(
        `mutation Activate($v: String!) { activateModel(version: $v) { version active } }`,
        {
          v: v.version,
        },
      );
      setDone(`${verb} ${d.activateModel.version}: it serves now.`);
      load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  if (!model)
    return (
      <section aria-labelledby="model-title">
        <h1 id="model-title">Model</h1>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : (
          <p>Loading…</p>
        )}
      </section>
    );
  const t = model.thresholds;
  const o = model.openSet;
  const marks: RocMark[] = [
    { label: `max accuracy d ≤ ${t.maxAccuracy.toPrecision(4)}`, ...rocAt(model.roc, t.maxAccuracy), color: '#2b8a3e' },
    { label: `target FAR ${pct(t.targetFar)} d ≤ ${t.atTargetFar.toPrecision(4)}`, ...rocAt(model.roc, t.atTargetFar), color: '#7048e8' },
    { label: `open-set, ${o.galleryImages} images: d ≤ ${o.threshold.toPrecision(4)}`, ...rocAt(model.roc, o.threshold), color: '#e8590c' },
  ];
  const svg = rocSvg(model.roc, {
    title: `${model.name}: validation ROC`,
    auc: model.auc,
    eer: model.eer,
    eerThreshold: t.eer,
    marks,
    size: 520,
  });
  const previous = versions ? rollbackTarget(versions) : null;
  return (
    <section aria-labelledby="model-title">
      <h1 id="model-title">Model</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="model-grid">
        <dl class="card" aria-label="model summary">
          <dt>Name</dt>
          <dd>{model.name}</dd>
          <dt>Version</dt>
          <dd>
            <code data-testid="serving-version">{model.version}</code>
          </dd>
          <dt>Metric</dt>
          <dd>
            {model.metric}, {model.embeddingDim}-d embeddings
          </dd>
          <dt>Validation</dt>
          <dd>
            AUC {model.auc.toFixed(4)} · EER {pct(model.eer)}
          </dd>
          <dt>Default threshold</dt>
          <dd>
            d ≤ {t.default.toPrecision(4)} ({t.defaultRule}, 1:1 verify)
          </dd>
          <dt>Operating points</dt>
          <dd>
            EER d ≤ {t.eer.toPrecision(4)} · max accuracy d ≤ {t.maxAccuracy.toPrecision(4)} · FAR {pct(t.targetFar)} at d ≤{' '}
            {t.atTargetFar.toPrecision(4)}
          </dd>
          <dt>Open-set threshold</dt>
          <dd>
            d ≤ {o.threshold.toPrecision(4)} for the current {o.galleryImages}-image gallery
          </dd>
          {model.companion && (
            <>
              <dt>Companion encoder</dt>
              <dd data-testid="companion">
                verifyIdentity with {model.companion.fromReferences} or more references: {model.companion.name} (
                <code>{model.companion.version}</code>), at its own thresholds t<sub>R</sub>:{' '}
                {model.companion.thresholds.references
                  .filter((r) => r.references >= model.companion!.fromReferences)
                  .map((r) => `R = ${r.references}: ${r.threshold.toPrecision(4)}`)
                  .join(' · ')}
                {model.companion.thresholds.referenceShift !== null && (
                  <>
                    {' '}
                    (each identity's own t<sub>R</sub> + {model.companion.thresholds.referenceShift} × its references' spread)
                  </>
                )}
              </dd>
            </>
          )}
          <dt>Indexed vectors</dt>
          <dd>{model.indexedVectors}</dd>
          <dt>Created</dt>
          <dd>{new Date(model.createdAt).toLocaleString()}</dd>
        </dl>
        <div
          class="roc"
          role="img"
          aria-label="validation ROC with a logarithmic FAR axis and the operating points"
          dangerouslySetInnerHTML={{ __html: svg }}
        />
      </div>
      <OpenSetPanel current={o} roc={model.roc} />
      <IntendedUseSection card={model.card} />
      <DataSection card={model.card} />
      <MetricsSection card={model.card} />
      <section aria-labelledby="card-curve" class="card-section">
        <h2 id="card-curve">Learning curve</h2>
        <LearningCurve curves={model.card.learningCurves} />
      </section>
      <section aria-labelledby="versions-title" class="card-section">
        <h2 id="versions-title">Versions</h2>
        {!session.isAdmin && <p>The list of versions needs the admin token.</p>}
        {done && (
          <p role="status" data-testid="activation-status">
            {done}
          </p>
        )}
        {versions && (
          <>
            <p>
              {previous ? (
                <button
                  type="button"
                  class="danger"
                  data-testid="roll-back"
                  disabled={busy !== null}
                  onClick={() =>
                    activate(
                      previous,
                      `Roll back to ${previous.version} (${previous.name}), the version that served before ${model.version}? Its vectors are built first; queries never see two models mixed.`,
                      'Rolled back to',
                    )
                  }
                >
                  {busy === previous.version ? 'Rolling back…' : `Roll back to ${previous.version}`}
                </button>
              ) : (
                <span class="hint">No earlier serving version to roll back to.</span>
              )}
            </p>
            <table>
              <caption class="visually-hidden">model versions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Name</th>
                  <th scope="col">EER</th>
                  <th scope="col">AUC</th>
                  <th scope="col">Threshold</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last served from</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version} class={v.active ? 'active' : ''} data-version={v.version}>
                    <td>
                      <code>{v.version}</code>
                    </td>
                    <td>
                      {v.name}
                      {(v.card.intendedUse || v.card.notes) && <div class="hint small">{v.card.intendedUse?.summary ?? v.card.notes}</div>}
                    </td>
                    <td>{v.eer === null ? '—' : pct(v.eer)}</td>
                    <td>{v.auc === null ? '—' : v.auc.toFixed(4)}</td>
                    <td>{v.threshold === null ? '—' : v.threshold.toPrecision(4)}</td>
                    <td>{new Date(v.createdAt).toLocaleString()}</td>
                    <td>{v.activatedAt ? new Date(v.activatedAt).toLocaleString() : 'never'}</td>
                    <td>
                      {v.active ? (
                        <strong>serving</strong>
                      ) : (
                        <button
                          type="button"
                          disabled={busy !== null}
                          onClick={() =>
                            activate(
                              v,
                              `Make ${v.version} the serving model? Its vectors are built first; queries never see two models mixed.`,
                              'Activated',
                            )
                          }
                        >
                          {busy === v.version ? 'Activating…' : `Activate ${v.version}`}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </section>
  );
}
