import { rocSvg } from '../../../src/training/calibration/roc-svg';

/** Issue 17: the pixel baseline's ROC drawn beside the model's, dashed, with a legend. */
describe('roc.svg with comparison curves', () => {
  const model = [
    { threshold: 0, far: 0, tar: 0 },
    { threshold: 0.5, far: 0.1, tar: 0.9 },
    { threshold: 1, far: 1, tar: 1 },
  ];
  const pixels = [
    { threshold: 0, far: 0, tar: 0 },
    { threshold: 2, far: 0.001, tar: 0.2 },
    { threshold: 9, far: 1, tar: 1 },
  ];

  it('draws each curve dashed on the same log-FAR axis and names all curves in a legend', () => {
    const svg = rocSvg(model, {
      title: 't',
      auc: 0.95,
      eer: 0.1,
      modelLabel: 'model (AUC 0.9500)',
      curves: [{ label: 'pixels, cosine (AUC 0.7000)', points: pixels }],
    });
    // The baseline reaches FAR 1e-3: the axis spans 3 decades (not the model's 2), so the model's FAR 0.1
    // sits at (log10 0.1 + 3) / 3 = 2/3 of the 398 px plot: x = 62 + 265.33 = 327.33.
    expect(svg).toContain('>0.1%</text>');
    expect(/<polyline points="([^"]+)" fill="none" stroke="#1f5fbf"/.exec(svg)![1].split(' ')[1]).toBe('327.33,92.80');
    // Pixel curve: FAR 1e-3 → left edge of the 3 decades, x = 62; TAR 0.2 → y = 56 + 0.8 × 368 = 350.40.
    const dashed =
      /<polyline points="([^"]+)" fill="none" stroke="#e8590c" stroke-width="1.5" stroke-dasharray="6 4" data-curve="pixels, cosine \(AUC 0.7000\)"\/>/.exec(
        svg,
      );
    expect(dashed![1].split(' ')[1]).toBe('62.00,350.40');
    expect(svg).toContain('>model (AUC 0.9500)</text>');
    expect(svg).toContain('>pixels, cosine (AUC 0.7000)</text>');
  });

  it('draws no legend without comparison curves (plots of older cards unchanged)', () => {
    const svg = rocSvg(model, { title: 't', auc: 0.95, eer: 0.1 });
    expect(svg).not.toContain('data-curve');
    expect(svg).not.toContain('>model</text>');
  });
});
