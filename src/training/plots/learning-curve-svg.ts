/**
 * `learning-curve.svg` beside every trained model: validation one-shot
 * accuracy and validation EER against training minutes, one line per run (an
 * ensemble draws each member), with the kept checkpoint marked. The same
 * numbers are in the card's `hyperparameters.history`; this is the picture of
 * them, because "did it plateau?" is a question people answer by looking.
 */
import type { ModelCard } from '../../embedding/model-card';
import { lineChartSvg, type ChartSeries } from './line-chart-svg';

interface HistoryRow {
  epoch: number;
  elapsedSec: number;
  valEer?: number;
  valOneShot?: number;
  best?: boolean;
}

interface Run {
  name: string;
  history: HistoryRow[];
  bestEpoch?: number;
}

function asHistory(h: unknown): HistoryRow[] {
  return Array.isArray(h) ? (h as HistoryRow[]).filter((r) => r && typeof r.epoch === 'number' && typeof r.elapsedSec === 'number') : [];
}

/** The runs behind a card: the model itself, or each member of an ensemble. */
export function runsOfCard(card: ModelCard): Run[] {
  const members = card.hyperparameters.ensembleOf;
  if (Array.isArray(members)) {
    return (members as Array<{ name: string; hyperparameters?: Record<string, unknown> }>)
      .map((m) => ({ name: m.name, history: asHistory(m.hyperparameters?.history) }))
      .filter((r) => r.history.length > 0);
  }
  const history = asHistory(card.hyperparameters.history);
  return history.length ? [{ name: card.name, history, bestEpoch: card.training.bestEpoch }] : [];
}

/** Undefined when the card has no per-epoch history (nothing to draw). */
export function learningCurveSvg(card: ModelCard): string | undefined {
  const runs = runsOfCard(card);
  if (runs.length === 0) return undefined;
  const minutes = (r: HistoryRow) => r.elapsedSec / 60;
  const series = (pick: (r: HistoryRow) => number | undefined): ChartSeries[] =>
    runs
      .map((run) => ({
        name: run.name,
        points: run.history.filter((r) => pick(r) !== undefined).map((r) => [minutes(r), 100 * pick(r)!] as const),
      }))
      .filter((s) => s.points.length > 0);
  const single = runs.length === 1 ? runs[0] : undefined;
  const bestRow = single?.history.find((r) => r.epoch === single.bestEpoch);
  const marker = bestRow ? { x: minutes(bestRow), label: `kept: epoch ${bestRow.epoch}` } : undefined;
  const ways = (card.evaluations?.validation as { oneShotWays?: number } | undefined)?.oneShotWays;
  const panels: string[] = [];
  const oneShot = series((r) => r.valOneShot);
  if (oneShot.length) {
    panels.push(
      lineChartSvg({
        title: `${card.name}: learning curve`,
        subtitle: 'validation identities (held out from training), every validation pass',
        xLabel: 'training minutes',
        yLabel: `${ways ? `${ways}-way ` : ''}one-shot accuracy (%)`,
        series: oneShot,
        marker,
      }),
    );
  }
  const eer = series((r) => r.valEer);
  if (eer.length) {
    panels.push(lineChartSvg({ title: 'validation EER', xLabel: 'training minutes', yLabel: 'EER (%)', series: eer, marker }));
  }
  if (panels.length === 0) return undefined;
  return stackSvgs(panels);
}

/** Stacks complete SVG documents vertically into one (each keeps its own viewBox). */
export function stackSvgs(svgs: readonly string[]): string {
  const size = (s: string) => {
    const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(s);
    if (!m) throw new RangeError('an SVG without width/height');
    return { w: Number(m[1]), h: Number(m[2]) };
  };
  const sizes = svgs.map(size);
  const width = Math.max(...sizes.map((s) => s.w));
  const height = sizes.reduce((n, s) => n + s.h, 0);
  let y = 0;
  const inner = svgs.map((s, i) => {
    const out = s.trim().replace(/^<svg /, `<svg x="0" y="${y}" `);
    y += sizes[i].h;
    return out;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...inner,
    '</svg>',
    '',
  ].join('\n');
}
