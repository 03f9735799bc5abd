/**
 * Analytic FLOP count of the `seed` backbone, the classic PyTorch Siamese
 * tutorial network the peer (../shared/peers/torch_seed_speed.py) trains:
 *
 *   conv 3×3 → 64, ReLU, maxpool 2 → conv 3×3 → 128, ReLU, maxpool 2 → flatten → dense 512, ReLU
 *
 * (valid padding, stride 1). A multiply-add counts as 2 FLOPs; bias, ReLU,
 * pooling, the loss and the optimizer are left out (< 1 % of the total).
 *
 * - conv: 2 · outH · outW · outC · (kH · kW · inC)
 * - dense: 2 · in · out
 * - training, per layer: forward + gradient w.r.t. the weights (same cost) +
 *   gradient w.r.t. the input (same cost, skipped for the first layer, whose
 *   input is the image). A pair is two images.
 *
 * At 100×100×1: conv1 11.06 M, conv2 325.73 M, dense 69.34 M → 406.13 MFLOP
 * per image forward, 2 · (3 · 406.13 − 11.06) = 2414.7 MFLOP per training pair.
 */
export interface SeedFlops {
  layers: { name: string; forward: number }[];
  forwardPerImage: number;
  trainPerPair: number;
}

export function seedFlops(height = 100, width = 100, channels = 1): SeedFlops {
  const conv = (h: number, w: number, inC: number, outC: number) => {
    const oh = h - 2;
    const ow = w - 2;
    return { oh, ow, flops: 2 * oh * ow * outC * 9 * inC };
  };
  const c1 = conv(height, width, channels, 64);
  const p1h = Math.floor(c1.oh / 2);
  const p1w = Math.floor(c1.ow / 2);
  const c2 = conv(p1h, p1w, 64, 128);
  const p2h = Math.floor(c2.oh / 2);
  const p2w = Math.floor(c2.ow / 2);
  const dense = 2 * p2h * p2w * 128 * 512;
  const forward = c1.flops + c2.flops + dense;
  const backward = c1.flops + 2 * c2.flops + 2 * dense; // no input gradient for the first layer
  return {
    layers: [
      { name: 'conv1', forward: c1.flops },
      { name: 'conv2', forward: c2.flops },
      { name: 'dense', forward: dense },
    ],
    forwardPerImage: forward,
    trainPerPair: 2 * (forward + backward),
  };
}
