import { createClient, type Client } from 'graphql-ws';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { errorText, getToken, gql } from '../api';
import { SessionContext } from '../session';

interface Run {
  id: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  modelVersion: string | null;
  promoted: boolean | null;
  progress: {
    phase: string;
    step: number;
    total: number;
    loss: number | null;
    etaSeconds: number | null;
    embedded: number | null;
    toEmbed: number | null;
  } | null;
  metrics: { decision: string | null; old: { eer: number } | null; new: { eer: number } | null } | null;
}

const RUN_FIELDS = `id status createdAt finishedAt error modelVersion promoted
  progress { phase step total loss etaSeconds embedded toEmbed } metrics { decision old { eer } new { eer } }`;
const FINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** Retraining: start a run, watch it live (trainingProgress over graphql-ws), cancel, and the history. */
export function TrainingPage() {
  const session = useContext(SessionContext);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [live, setLive] = useState<Run | null>(null);
  const [losses, setLosses] = useState<Array<{ step: number; loss: number }>>([]);
  const [error, setError] = useState<string | null>(null);
  const [steps, setSteps] = useState('20');
  const [epochs, setEpochs] = useState('1');
  const [promote, setPromote] = useState('IF_BETTER');
  const client = useRef<Client | null>(null);

  const loadRuns = () =>
    gql<{ trainingRuns: { items: Run[] } }>(`{ trainingRuns(first: 20) { items { ${RUN_FIELDS} } } }`)
      .then((d) => setRuns(d.trainingRuns.items))
      .catch((e) => setError(errorText(e)));

  useEffect(() => {
    if (!session.isAdmin) return;
    loadRuns();
    return () => client.current?.dispose();
  }, [session.isAdmin]);

  const follow = (runId: string) => {
    client.current?.dispose();
    setLosses([]);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const c = createClient({
      url: `${proto}//${location.host}/graphql`,
      connectionParams: { Authorization: `Bearer ${getToken() ?? ''}` },
      lazy: true,
      retryAttempts: 0,
    });
    client.current = c;
    c.subscribe<{ trainingProgress: Run }>(
      { query: `subscription Progress($id: ID!) { trainingProgress(runId: $id) { ${RUN_FIELDS} } }`, variables: { id: runId } },
      {
        next: (msg) => {
          const run = msg.data?.trainingProgress;
          if (!run) return;
          setLive(run);
          const p = run.progress;
          if (p && p.phase === 'training' && p.loss !== null)
            setLosses((l) => (l.some((x) => x.step === p.step) ? l : [...l, { step: p.step, loss: p.loss as number }]));
          if (FINAL.includes(run.status)) loadRuns();
        },
        error: (e) => setError(errorText(e)),
        complete: () => loadRuns(),
      },
    );
  };

  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const d = await gql<{ retrain: Run }>(`mutation Retrain($o: RetrainInput) { retrain(options: $o) { ${RUN_FIELDS} } }`, {
        o: { steps: Number(steps), epochs: Number(epochs), promote },
      });
      setLive(d.retrain);
      follow(d.retrain.id);
      loadRuns();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const cancel = async (id: string) => {
    try {
      await gql(`mutation Cancel($id: ID!) { cancelRetrain(id: $id) { id status } }`, { id });
      loadRuns();
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (!session.isAdmin) {
    return (
      <section aria-labelledby="train-title">
        <h1 id="train-title">Training</h1>
        <p>Retraining needs the admin token: sign in first.</p>
      </section>
    );
  }
  const p = live?.progress;
  return (
    <section aria-labelledby="train-title">
      <h1 id="train-title">Training</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <form class="retrain" onSubmit={start}>
        <label for="rt-steps">Steps</label>
        <input id="rt-steps" type="number" min="1" value={steps} onInput={(e) => setSteps(e.currentTarget.value)} />
        <label for="rt-epochs">Epochs</label>
        <input id="rt-epochs" type="number" min="1" value={epochs} onInput={(e) => setEpochs(e.currentTarget.value)} />
        <label for="rt-promote">Promote</label>
        <select id="rt-promote" value={promote} onChange={(e) => setPromote(e.currentTarget.value)}>
          <option value="IF_BETTER">if not worse on held-out pairs</option>
          <option value="ALWAYS">always</option>
          <option value="NEVER">never (keep as a version)</option>
        </select>
        <button type="submit">Start retraining</button>
      </form>
      {live && (
        <div class="live" aria-live="polite">
          <h2>Run {live.id}</h2>
          <p data-testid="run-status">
            {live.status}
            {p
              ? ` · ${p.phase} ${p.step}/${p.total}${p.loss !== null ? ` · loss ${p.loss.toFixed(4)}` : ''}${p.etaSeconds !== null ? ` · ETA ${Math.round(p.etaSeconds)} s` : ''}`
              : ''}
          </p>
          <label for="run-bar">Progress</label>
          <progress id="run-bar" max={p?.total || 1} value={p?.step ?? 0} />
          {losses.length > 1 && <LossCurve points={losses} />}
          {!FINAL.includes(live.status) && (
            <button type="button" class="danger" onClick={() => cancel(live.id)}>
              Cancel run
            </button>
          )}
        </div>
      )}
      <h2>History</h2>
      <table>
        <caption class="visually-hidden">training runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Model</th>
            <th scope="col">EER old → new</th>
            <th scope="col">Decision</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(runs ?? []).map((r) => (
            <tr key={r.id}>
              <td>
                <code>{r.id.slice(0, 8)}</code>
              </td>
              <td>{r.status}</td>
              <td>{new Date(r.createdAt).toLocaleString()}</td>
              <td>{r.modelVersion ?? '—'}</td>
              <td>
                {r.metrics?.old && r.metrics?.new
                  ? `${(r.metrics.old.eer * 100).toFixed(2)}% → ${(r.metrics.new.eer * 100).toFixed(2)}%`
                  : '—'}
              </td>
              <td>{r.error ?? r.metrics?.decision ?? '—'}</td>
              <td>
                {!FINAL.includes(r.status) && (
                  <button type="button" onClick={() => follow(r.id)}>
                    Follow run {r.id.slice(0, 8)}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function LossCurve(props: { points: Array<{ step: number; loss: number }> }) {
  const W = 360;
  const H = 140;
  const maxStep = Math.max(...props.points.map((p) => p.step), 1);
  const maxLoss = Math.max(...props.points.map((p) => p.loss), 1e-9);
  const pts = props.points
    .map((p) => `${(10 + (p.step / maxStep) * (W - 20)).toFixed(1)},${(H - 10 - (p.loss / maxLoss) * (H - 20)).toFixed(1)}`)
    .join(' ');
  const last = props.points[props.points.length - 1];
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={`training loss, ${props.points.length} points, last ${last.loss.toFixed(4)} at step ${last.step}`}
    >
      <rect x={0} y={0} width={W} height={H} fill="#fff" stroke="#dee2e6" />
      <polyline points={pts} fill="none" stroke="#1f5fbf" stroke-width="2" />
    </svg>
  );
}
