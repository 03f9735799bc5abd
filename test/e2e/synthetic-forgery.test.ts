import sharp from 'sharp';
import { Rng } from '../../src/training/samplers/rng';
import { blur, displacementField, gaussianKernel, imitate, paperLevel, warp } from './synthetic-forgery';

const grey = (width: number, height: number, f: (x: number, y: number) => number) => ({
  width,
  height,
  data: Float32Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});

describe('synthetic forgery: elastic imitations of a signature (session 30, RULE-synth.md)', () => {
  it('builds a Gaussian kernel truncated at 3σ: σ = 1 has 7 taps summing to 1, k(0)/k(1) = e^½', () => {
    const k = gaussianKernel(1);
    expect(k).toHaveLength(7);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(k[3] / k[4]).toBeCloseTo(Math.exp(0.5), 5);
    expect(k[0]).toBeCloseTo(k[6], 7);
    expect(() => gaussianKernel(0)).toThrow(/above zero/);
  });

  it('blurs a constant field to itself (edges repeat) and a single spike to the kernel’s outer product', () => {
    const flat = blur(new Float32Array(30).fill(2.5), 6, 5, 1.3);
    for (const v of flat) expect(v).toBeCloseTo(2.5, 5);
    const spike = new Float32Array(11 * 11);
    spike[5 * 11 + 5] = 1;
    const out = blur(spike, 11, 11, 1);
    const k = gaussianKernel(1);
    // The centre is k(0)², a diagonal neighbour k(1)², a point two to the right k(0)·k(2).
    expect(out[5 * 11 + 5]).toBeCloseTo(k[3] * k[3], 6);
    expect(out[6 * 11 + 6]).toBeCloseTo(k[4] * k[4], 6);
    expect(out[5 * 11 + 7]).toBeCloseTo(k[3] * k[5], 6);
  });

  it('scales the field to the requested root-mean-square length (3 % of 20 px = 0.6 px)', () => {
    const { dx, dy } = displacementField(30, 20, { sigmaShare: 0.1, rmsShare: 0.03 }, new Rng(5));
    let sq = 0;
    for (let i = 0; i < dx.length; i++) sq += dx[i] * dx[i] + dy[i] * dy[i];
    expect(Math.sqrt(sq / dx.length)).toBeCloseTo(0.6, 5);
    // Smoothed: neighbours move together far more than independent noise would.
    let same = 0;
    for (let i = 0; i + 1 < dx.length; i++) if (i % 30 !== 29) same += Math.sign(dx[i]) === Math.sign(dx[i + 1]) ? 1 : 0;
    expect(same / (20 * 29)).toBeGreaterThan(0.8);
  });

  it('warps: no field is the identity; dx = 1 reads the right neighbour, the last column the fill; dx = ½ averages', () => {
    const img = grey(4, 2, (x, y) => 10 * x + y);
    const zero = new Float32Array(8);
    expect(Array.from(warp(img, zero, zero, 99).data)).toEqual(Array.from(img.data));
    const one = new Float32Array(8).fill(1);
    expect(Array.from(warp(img, one, zero, 99).data)).toEqual([10, 20, 30, 99, 11, 21, 31, 99]);
    const half = new Float32Array(8).fill(0.5);
    expect(Array.from(warp(img, half, zero, 99).data)).toEqual([5, 15, 25, 64.5, 6, 16, 26, 65]);
  });

  it('takes the paper as the 95th grey percentile', () => {
    expect(paperLevel(Float32Array.from({ length: 100 }, (_, i) => 99 - i))).toBe(95);
  });

  it('imitates a scan: same size, the same for a seed, different across seeds; a blank page stays blank', async () => {
    const raw = Buffer.from(Uint8Array.from({ length: 60 * 40 }, (_, i) => (Math.floor(i / 60) === 20 ? 0 : 230)));
    const scan = await sharp(raw, { raw: { width: 60, height: 40, channels: 1 } })
      .png()
      .toBuffer();
    const a = await imitate(scan, 1);
    const read = async (b: Buffer) => sharp(b).greyscale().raw().toBuffer({ resolveWithObject: true });
    const ra = await read(a);
    expect([ra.info.width, ra.info.height]).toEqual([60, 40]);
    expect((await read(await imitate(scan, 1))).data.equals(ra.data)).toBe(true);
    expect((await read(await imitate(scan, 2))).data.equals(ra.data)).toBe(false);
    // The line's ink (0) is displaced, not lost: the darkest pixel stays dark, the paper stays 230 far from it.
    expect(Math.min(...ra.data)).toBeLessThan(60);
    expect(ra.data[0]).toBe(230);
    const blank = await sharp(Buffer.alloc(60 * 40, 200), { raw: { width: 60, height: 40, channels: 1 } })
      .png()
      .toBuffer();
    expect(new Set((await read(await imitate(blank, 3))).data)).toEqual(new Set([200]));
  });
});
