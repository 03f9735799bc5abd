/**
 * Every number that decides WHICH implementation serves an op on the wasm
 * backend (README.md in this folder has the dispatch table that uses them).
 * Sizes that only shape the work of an implementation once it is chosen
 * (chunk lengths, images per round, temporary-buffer bounds) stay next to
 * their code: KCHUNK_SIZE, CHUNK_ROWS, GRID_CHUNK, WINOGRAD_GROUP_FLOATS,
 * WINOGRAD_GRAD_GROUP_FLOATS, TAPS_GROUP_MAX_FLOATS.
 *
 * Each constant says where its value came from. "Seed net" is the 100×100×1
 * `seed` backbone (conv 64 → pool → conv 128 → … → dense 67,712×512); "CPU ms
 * per call" figures are from `node scripts/profile-seed.js --trace` on the
 * 2-core development machine, as quoted in the kernel files' comments (the raw
 * runs were not committed). Where no measurement was recorded the comment says
 * so: such a value is a reasoned guess, and a change to it needs a measurement.
 */

/**
 * Channel counts (or innermost extents) must be a multiple of this for the
 * wasm SIMD paths (Winograd transforms, 2×2 max-pool gradient, leading-axes
 * Sum). Not a tuned value: the loops in simd.ir.ts step one f32x4 vector
 * (16 bytes) at a time and have no scalar tail, so other counts would read
 * and write past the tensor. Shapes that miss it take the non-SIMD path.
 */
export const SIMD_CHANNEL_MULTIPLE = 4;

/**
 * BatchMatMul / _FusedMatMul (plain A·B, batch 1, float32) with a reduction
 * axis of at least this length run as a sum of K-chunk products
 * (batch-matmul-kchunk.kernel.ts). Measured at one shape only: the seed net's
 * dense layer, [64, 67712]·[67712, 512], 204 ms of CPU unchunked against
 * 114 ms as 16 chunks of 4,232 (comment in batch-matmul-kchunk.kernel.ts,
 * first committed in b7f6ffc). The cut at 16,384 itself was not swept: no
 * measurement of where between 4,232 and 67,712 chunking starts to pay was
 * recorded.
 */
export const KCHUNK_MIN_K = 16384;

/**
 * ...and at most this many rows of A: above it the GEMM reuses each packed B
 * panel across enough rows that chunking is not needed. No measurement was
 * recorded for this value (b7f6ffc introduced it without one); the only
 * measured shape has 64 rows.
 */
export const KCHUNK_MAX_M = 1024;

/**
 * Conv2D / FusedConv2D / Conv2DBackpropFilter go to Winograd
 * (winograd-conv2d.kernel.ts, winograd-filter-grad.kernel.ts) only with at
 * least this many input AND output channels. Not tuned: fewer channels leave
 * little GEMM work per tile transform, and the measured layer (seed net, 64 →
 * 128 channels) is far above it (comment in winograd-conv2d.kernel.ts,
 * a1eafd8: "a guess, not tuned").
 */
export const WINOGRAD_MIN_CHANNELS = 16;

/**
 * Winograd needs an output of at least this height and width (one whole 4×4
 * F(4×4, 3×3) output tile). No measurement recorded (a1eafd8): smaller outputs
 * would be mostly padding tiles.
 */
export const WINOGRAD_MIN_OUTPUT_SIZE = 4;

/**
 * Conv2D / FusedConv2D batches with fewer 4×4 output tiles than this (summed
 * over the batch) stay on XNNPACK's direct convolution: Winograd's 36 GEMMs
 * and transforms have a fixed cost per call. Measured (commit d6a6949): a 1:1
 * verify of the ORL model (batch 1–2 at 46×56) took 6.0 ms per forward pass
 * through Winograd against 1.7 ms direct; with the cut, forward passes of the
 * ORL, Omniglot and seed models were the fastest of {1, 128, 256, 512, ∞} at
 * batch 1–64 within ~15 % (a sweep in the issue-6 working notes, which were not
 * committed). The filter gradient (Conv2DBackpropFilter) does not apply this
 * cut: it runs during training, on training batches.
 */
export const WINOGRAD_MIN_TILES = 128;

/**
 * Conv2DBackpropFilter at stride 1 (NHWC float32) uses the grid form
 * (conv2d-backprop-filter-grid.kernel.ts) with at least this many input
 * channels, else the gathered GEMM form. Measured at the two ends only
 * (comments in conv2d-backprop-filter-grid.kernel.ts, a1eafd8): 1 input channel
 * (seed net first layer, 32 images) grid 155–194 ms against gathered 70–90 ms;
 * 64 input channels (second layer, 32 images) grid ~300 ms against gathered
 * ~360–380 ms. The crossover between 1 and 64 was not measured; 8 is a guess
 * between them.
 */
export const GRID_MIN_IN_CHANNELS = 8;

/**
 * The taps/conv Conv2DBackpropFilter (now only for NCHW or non-float32 calls)
 * uses the "taps" form (one im2colᵀ MatMul) up to this many input channels,
 * else the "conv" form (a dilated convolution on XNNPACK). Its file comment
 * says both forms were "measured on the seed net, batch 64" (3338d86), but no
 * numbers for the comparison, nor for the value 8, were recorded.
 */
export const TAPS_MAX_IN_CHANNELS = 8;
