import type { ModelCard } from '../../../src/embedding/model-card';
import { learningCurveSvg, runsOfCard, stackSvgs } from '../../../src/training/plots/learning-curve-svg';
import { lineChartSvg, niceTicks } from '../../../src/training/plots/line-chart-svg';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10^k and covers the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 5)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(0.93, 0.99, 6)).toEqual([0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });
});

describe('lineChartSvg', () => {
  it('maps points linearly into the plot area and escapes text', () => {
    const svg = lineChartSvg({
      title: 'a <b>',
      xLabel: 'x',
      yLabel: 'y',
      width: 640,
      height: 360,
      yRange: [0, 10],
      series: [
        {
          name: 's&1',
          points: [
            [0, 0],
            [5, 5],
            [10, 10],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).toContain('s&amp;1');
    expect(svg).not.toMatch(/href=|<script|@import/);
    // Plot area: left 64, width 640 − 64 − 20 = 556; top 40, height 360 − 40 − 68 = 252 (one legend row).
    // (5, 5) → x = 64 + 278 = 342, y = 40 + 126 = 166.
    const poly = /<polyline points="([^"]+)"/.exec(svg)![1].split(' ');
    expect(poly).toEqual(['64.0,292.0', '342.0,166.0', '620.0,40.0']);
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });

  it('takes a forced x range, so points sit inside it', () => {
    const svg = lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      xRange: [-0.25, 1.25],
      yRange: [0, 1],
      series: [
        {
          name: 'a',
          points: [
            [0, 0],
            [1, 1],
          ],
        },
      ],
    });
    // Plot area as above: x from 64 over 556 px for 1.5 units; 0 → 64 + 556 / 6 = 156.7, 1 → 64 + 556 · 5 / 6 = 527.3.
    const poly = /<polyline points="([^"]+)"/.exec(svg)![1].split(' ');
    expect(poly).toEqual(['156.7,292.0', '527.3,40.0']);
  });

  it('draws a scatter without a line, a marker, and refuses an empty chart', () => {
    const svg = lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      marker: { x: 2, label: 'kept' },
      series: [
        {
          name: 'a',
          points: [
            [1, 1],
            [3, 2],
          ],
          noLine: true,
        },
      ],
    });
    expect(svg).not.toContain('<polyline');
    expect(svg).toContain('kept');
    expect(() => lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[1, NaN]] }] })).toThrow(RangeError);
  });
});

const history = [
  { epoch: 1, elapsedSec: 60, valEer: 0.1, valOneShot: 0.8, best: true },
  { epoch: 2, elapsedSec: 120, valEer: 0.05, valOneShot: 0.9, best: true },
  { epoch: 3, elapsedSec: 180, valEer: 0.06, valOneShot: 0.88, best: false },
];
const card = (h: Record<string, unknown>, bestEpoch = 2) =>
  ({
    name: 'm',
    hyperparameters: h,
    training: { bestEpoch },
    evaluations: { validation: { oneShotWays: 20 } },
  }) as unknown as ModelCard;

describe('learning-curve.svg', () => {
  it('draws one run with the kept epoch marked, in minutes and percent', () => {
    const svg = learningCurveSvg(card({ history }))!;
    expect(svg).toContain('kept: epoch 2');
    expect(svg).toContain('20-way one-shot accuracy (%)');
    // Two panels stacked: the second starts at y = the first's height.
    expect(svg).toMatch(/<svg x="0" y="0" /);
    expect(svg).toMatch(/<svg x="0" y="360" /);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
  });

  it('draws each member of an ensemble and nothing for a card without history', () => {
    const ens = card({
      ensembleOf: [
        { name: 'p', hyperparameters: { history } },
        { name: 't', hyperparameters: { history: history.slice(0, 2) } },
      ],
    });
    expect(runsOfCard(ens).map((r) => r.name)).toEqual(['p', 't']);
    const svg = learningCurveSvg(ens)!;
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).not.toContain('kept:');
    expect(learningCurveSvg(card({}))).toBeUndefined();
  });

  it('stacks SVGs to the widest width and the summed height', () => {
    const s = stackSvgs([
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"></svg>',
    ]);
    expect(s).toContain('width="100" height="80" viewBox="0 0 100 80"');
    expect(s).toContain('<svg x="0" y="50" ');
    expect(() => stackSvgs(['<svg/>'])).toThrow(RangeError);
  });
});
