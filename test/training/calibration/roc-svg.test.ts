import { rocSvg } from '../../../src/training/calibration/roc-svg';

describe('roc.svg', () => {
  it('is a self-contained SVG with the curve, the EER point and AUC in the title', () => {
    const svg = rocSvg(
      [{ threshold: 0, far: 0, tar: 0 }, { threshold: 0.5, far: 0.1, tar: 0.9 }, { threshold: 1, far: 1, tar: 1 }],
      { title: 'orl <test>', auc: 0.955, eer: 0.1, eerThreshold: 0.5 },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('AUC 0.9550');
    expect(svg).toContain('EER 10.00%');
    expect(svg).toContain('orl &lt;test&gt;');
    expect(svg).not.toMatch(/href=|<script|@import/);
    // 3 points → a polyline with 3 coordinates; plot area 398 px wide from x = 62: FAR 0.1 → 101.80
    const poly = /<polyline points="([^"]+)"/.exec(svg)![1].split(' ');
    expect(poly).toHaveLength(3);
    expect(poly[1].startsWith('101.80,')).toBe(true);
    expect(svg).toMatch(/<circle cx="101.80"/);
  });
});
