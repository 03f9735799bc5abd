import { lineChartSvg, type ChartSeries } from '../../../src/training/plots/line-chart-svg';
import type { CardCurvePoint } from './model-card-view';

/**
 * The card's learning curve (validation one-shot accuracy and EER at every validation pass),
 * drawn with the chart code that writes learning-curve.svg beside each trained model.
 * X is training minutes when the card has times, epochs otherwise.
 */
export function LearningCurve(props: { curves: Array<{ name: string; keptEpoch: number | null; points: CardCurvePoint[] }> }) {
  const curves = props.curves.filter((c) => c.points.length > 0);
  if (curves.length === 0) {
    return (
      <p class="hint" data-testid="no-learning-curve">
        The card has no training history (a model that was not trained here, or a test fixture).
      </p>
    );
  }
  const timed = curves.every((c) => c.points.every((p) => p.elapsedSec !== null));
  const x = (p: CardCurvePoint) => (timed ? p.elapsedSec! / 60 : p.epoch);
  const xLabel = timed ? 'training minutes' : 'epoch';
  const series = (pick: (p: CardCurvePoint) => number | null): ChartSeries[] =>
    curves
      .map((c) => ({
        name: c.name,
        points: c.points.filter((p) => pick(p) !== null).map((p) => [x(p), 100 * pick(p)!] as const),
      }))
      .filter((s) => s.points.length > 0);
  const single = curves.length === 1 ? curves[0] : undefined;
  const kept = single?.points.find((p) => p.epoch === single.keptEpoch);
  const marker = kept ? { x: x(kept), label: `kept: epoch ${kept.epoch}` } : undefined;
  const panels: Array<{ label: string; svg: string }> = [];
  const oneShot = series((p) => p.valOneShot);
  if (oneShot.length)
    panels.push({
      label: 'validation one-shot accuracy during training',
      svg: lineChartSvg({
        title: 'validation one-shot accuracy',
        xLabel,
        yLabel: 'one-shot accuracy (%)',
        series: oneShot,
        marker,
        width: 520,
        height: 300,
      }),
    });
  const eer = series((p) => p.valEer);
  if (eer.length)
    panels.push({
      label: 'validation EER during training',
      svg: lineChartSvg({ title: 'validation EER', xLabel, yLabel: 'EER (%)', series: eer, marker, width: 520, height: 300 }),
    });
  return (
    <div class="curves" data-testid="learning-curve" data-points={curves.reduce((k, c) => k + c.points.length, 0)}>
      {panels.map((p) => (
        <div key={p.label} class="chart" role="img" aria-label={p.label} dangerouslySetInnerHTML={{ __html: p.svg }} />
      ))}
    </div>
  );
}
