import { useContext, useEffect, useState } from 'preact/hooks';
import { rocSvg, type RocMark } from '../../../src/training/calibration/roc-svg';
import { errorText, gql } from '../api';
import { SessionContext } from '../session';

interface RocPoint {
  far: number;
  tar: number;
  threshold: number;
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
}

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

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The serving model: calibration, ROC on a log FAR axis with its operating points, and the versions. */
export function ModelPage() {
  const session = useContext(SessionContext);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = () => {
    gql<{ model: ModelInfo }>(
      `{ model { name version fingerprint metric embeddingDim createdAt auc eer indexedVectors
        thresholds { default defaultRule eer maxAccuracy atTargetFar targetFar } roc { far tar threshold } } }`,
    )
      .then((d) => setModel(d.model))
      .catch((e) => setError(errorText(e)));
    if (session.isAdmin) {
      gql<{ modelVersions: Version[] }>(`{ modelVersions { version name active createdAt activatedAt eer auc threshold } }`)
        .then((d) => setVersions(d.modelVersions))
        .catch((e) => setError(errorText(e)));
    }
  };
  useEffect(load, [session.isAdmin]);

  const activate = async (version: string) => {
    if (!window.confirm(`Make ${version} the serving model? Its vectors are built first; queries never see two models mixed.`)) return;
    setBusy(version);
    try {
      await gql(`mutation Activate($v: String!) { activateModel(version: $v) { version active } }`, { v: version });
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
  const marks: RocMark[] = [
    { label: `max accuracy d ≤ ${t.maxAccuracy.toPrecision(4)}`, ...rocAt(model.roc, t.maxAccuracy), color: '#2b8a3e' },
    { label: `target FAR ${pct(t.targetFar)} d ≤ ${t.atTargetFar.toPrecision(4)}`, ...rocAt(model.roc, t.atTargetFar), color: '#7048e8' },
  ];
  if (session.lastSearchThreshold !== null) {
    marks.push({
      label: `open-set (last search) d ≤ ${session.lastSearchThreshold.toPrecision(4)}`,
      ...rocAt(model.roc, session.lastSearchThreshold),
      color: '#e8590c',
    });
  }
  const svg = rocSvg(model.roc, {
    title: `${model.name}: validation ROC`,
    auc: model.auc,
    eer: model.eer,
    eerThreshold: t.eer,
    marks,
    size: 520,
  });
  return (
    <section aria-labelledby="model-title">
      <h1 id="model-title">Model</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="model-grid">
        <dl class="card" aria-label="model card">
          <dt>Name</dt>
          <dd>{model.name}</dd>
          <dt>Version</dt>
          <dd>
            <code>{model.version}</code>
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
            d ≤ {t.default.toPrecision(4)} ({t.defaultRule})
          </dd>
          <dt>Operating points</dt>
          <dd>
            EER d ≤ {t.eer.toPrecision(4)} · max accuracy d ≤ {t.maxAccuracy.toPrecision(4)} · FAR {pct(t.targetFar)} at d ≤{' '}
            {t.atTargetFar.toPrecision(4)}
          </dd>
          <dt>Open-set threshold</dt>
          <dd>
            {session.lastSearchThreshold !== null
              ? `d ≤ ${session.lastSearchThreshold.toPrecision(4)} for the current gallery (from the last search)`
              : 'shown after a search (it depends on the gallery size)'}
          </dd>
          <dt>Indexed vectors</dt>
          <dd>{model.indexedVectors}</dd>
          <dt>Created</dt>
          <dd>{new Date(model.createdAt).toLocaleString()}</dd>
        </dl>
        <div class="roc" dangerouslySetInnerHTML={{ __html: svg }} />
      </div>
      <h2>Versions</h2>
      {!session.isAdmin && <p>The list of versions needs the admin token.</p>}
      {versions && (
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
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} class={v.active ? 'active' : ''}>
                <td>
                  <code>{v.version}</code>
                </td>
                <td>{v.name}</td>
                <td>{v.eer === null ? '—' : pct(v.eer)}</td>
                <td>{v.auc === null ? '—' : v.auc.toFixed(4)}</td>
                <td>{v.threshold === null ? '—' : v.threshold.toPrecision(4)}</td>
                <td>{new Date(v.createdAt).toLocaleString()}</td>
                <td>
                  {v.active ? (
                    <strong>serving</strong>
                  ) : (
                    <button type="button" disabled={busy !== null} onClick={() => activate(v.version)}>
                      {busy === v.version ? 'Activating…' : `Activate ${v.version}`}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
