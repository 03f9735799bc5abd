import { farDecades, logFarPosition, rocSvg } from '../../../src/training/calibration/roc-svg';

describe('roc.svg', () => {
  it('is a self-contained SVG with the curve, the EER point and AUC in the title', () => {
    const svg = rocSvg(
      [
        { threshold: 0, far: 0, tar: 0 },
        { threshold: 0.5, far: 0.1, tar: 0.9 },
        { threshold: 1, far: 1, tar: 1 },
      ],
      { title: 'orl <test>', auc: 0.955, eer: 0.1, eerThreshold: 0.5 },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('AUC 0.9550');
    expect(svg).toContain('EER 10.00%');
    expect(svg).toContain('orl &lt;test&gt;');
    expect(svg).not.toMatch(/href=|<script|@import/);
    // Log FAR axis (issue 15). Smallest non-zero FAR 0.1 → the minimum 2 decades, 1e-2 … 1.
    // Plot area 398 px wide from x = 62: FAR 0 → left edge 62.00; FAR 0.1 → (log10 0.1 + 2) / 2 = 0.5 → 62 + 199 = 261.00;
    // FAR 1 → 460.00. TAR 0.9 → y = 56 + 0.1 × 368 = 92.80.
    const poly = /<polyline points="([^"]+)" fill="none" stroke="#1f5fbf"/.exec(svg)![1].split(' ');
    expect(poly).toEqual(['62.00,424.00', '261.00,92.80', '460.00,56.00']);
    expect(svg).toMatch(/<circle cx="261.00" cy="92.80"/);
    expect(svg).toContain('false accept rate (FAR, log scale)');
    // Decade ticks 1 %, 10 %, 100 % (and no linear 0.2 … 0.8 FAR ticks).
    for (const t of ['1%', '10%', '100%']) expect(svg).toContain(`>${t}</text>`);
  });

  it('spans as many decades as the smallest non-zero FAR needs (2 to 6)', () => {
    expect(farDecades([{ threshold: 0, far: 0, tar: 0 }])).toBe(2);
    expect(farDecades([{ threshold: 0, far: 0.1, tar: 0 }])).toBe(2);
    expect(farDecades([{ threshold: 0, far: 0.001, tar: 0 }])).toBe(3);
    expect(farDecades([{ threshold: 0, far: 0.0005, tar: 0 }])).toBe(4);
    expect(farDecades([{ threshold: 0, far: 1e-9, tar: 0 }])).toBe(6);
    // 4 decades: FAR 1e-3 → (−3 + 4) / 4 = 0.25; below the floor clamps to 0, above 1 to 1.
    expect(logFarPosition(1e-3, 4)).toBeCloseTo(0.25, 12);
    expect(logFarPosition(1e-7, 4)).toBe(0);
    expect(logFarPosition(2, 4)).toBe(1);
  });

  it('marks the operating points it is given, at their log-FAR position', () => {
    const svg = rocSvg(
      [
        { threshold: 0, far: 0, tar: 0 },
        { threshold: 0.3, far: 0.0005, tar: 0.6 },
        { threshold: 1, far: 1, tar: 1 },
      ],
      { title: 't', auc: 0.9, eer: 0.05, marks: [{ label: 'open-set', far: 0.001, tar: 0.7, color: '#123456' }] },
    );
    // 4 decades (FAR 5e-4): FAR 1e-3 → 62 + 0.25 × 398 = 161.50, the 8-px square's corner 4 px up-left: 157.50;
    // TAR 0.7 → 56 + 0.3 × 368 = 166.40 → 162.40.
    expect(svg).toContain('<rect x="157.50" y="162.40" width="8" height="8" fill="#123456"/>');
    expect(svg).toContain('■ open-set');
    expect(svg).toContain('>0.01%</text>');
  });
});
