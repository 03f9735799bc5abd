// Convolutions whose filter has few taps per output channel (kh·kw·inC ≤ 32: the
// first layer of an image network, 3×3 on one or three channels). As a GEMM their
// reduction dimension is tiny, so packing dominates: the seed net's first conv
// ran at ~5 GB/s of output. Direct form: each pixel's patch (≤ 32 values) times
// the filter, vectorised across the output channels; memory-bound on y / dy.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv.h"
#include "elementwise.h"
#include "thread-pool.h"

#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define SIAMESE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIAMESE_CLONES
#endif

namespace siamese {
namespace {

// patch[t] for t = (ky*kw + kx)*inC + ci, zeros outside the image.
inline void gatherPatch(const ConvShape& s, const float* x, long pixel, float* patch) {
  const long perImage = s.outH * s.outW;
  const long b = pixel / perImage, r = pixel % perImage, oy = r / s.outW, ox = r % s.outW;
  long t = 0;
  for (long ky = 0; ky < s.kh; ++ky) {
    const long y = oy * s.strideH - s.padTop + ky * s.dilH;
    for (long kx = 0; kx < s.kw; ++kx) {
      const long xx = ox * s.strideW - s.padLeft + kx * s.dilW;
      if (y >= 0 && y < s.inH && xx >= 0 && xx < s.inW) {
        const float* src = x + ((b * s.inH + y) * s.inW + xx) * s.inC;
        for (long ci = 0; ci < s.inC; ++ci) patch[t++] = src[ci];
      } else {
        for (long ci = 0; ci < s.inC; ++ci) patch[t++] = 0.f;
      }
    }
  }
}

SIAMESE_CLONES void forwardPixels(const ConvShape& s, const float* x, const float* __restrict w, float* __restrict y,
                                  long p0, long p1, const float* __restrict bias, const Epilogue& activation) {
  const long taps = s.kh * s.kw * s.inC, co = s.outC;
  float patch[kDirectConvMaxTaps];
  for (long p = p0; p < p1; ++p) {
    gatherPatch(s, x, p, patch);
    float* out = y + p * co;
    if (bias)
      for (long c = 0; c < co; ++c) out[c] = bias[c];
    else
      for (long c = 0; c < co; ++c) out[c] = 0.f;
    for (long t = 0; t < taps; ++t) {
      const float v = patch[t];
      const float* wr = w + t * co;
      for (long c = 0; c < co; ++c) out[c] += v * wr[c];
    }
    // The activation while the row is still in L1 (a second pass would stream y from memory again).
    if (activation.active()) applyEpilogue(out, co, 1, co, 0, activation);
  }
}

SIAMESE_CLONES void filterGradPixels(const ConvShape& s, const float* x, const float* __restrict dy, float* __restrict dw,
                                     long p0, long p1) {
  const long taps = s.kh * s.kw * s.inC, co = s.outC;
  float patch[kDirectConvMaxTaps];
  for (long p = p0; p < p1; ++p) {
    gatherPatch(s, x, p, patch);
    const float* g = dy + p * co;
    for (long t = 0; t < taps; ++t) {
      const float v = patch[t];
      float* dr = dw + t * co;
      for (long c = 0; c < co; ++c) dr[c] += v * g[c];
    }
  }
}

}  // namespace

bool directConvFits(const ConvShape& s) { return s.kh * s.kw * s.inC <= kDirectConvMaxTaps; }

void directConv2d(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& epi) {
  const long pixels = s.batch * s.outH * s.outW;
  Epilogue activationOnly = epi;
  activationOnly.bias = nullptr;
  parallelFor(pixels, 4096, [&](long p0, long p1) { forwardPixels(s, x, w, y, p0, p1, epi.bias, activationOnly); });
}

void directConv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const long pixels = s.batch * s.outH * s.outW, size = s.kh * s.kw * s.inC * s.outC;
  const long parts = std::max<long>(1, std::min<long>(poolThreads(), pixels / 4096));
  std::vector<float> partial(static_cast<size_t>(parts) * size, 0.f);
  auto band = [&](int t) { filterGradPixels(s, x, dy, partial.data() + t * size, pixels * t / parts, pixels * (t + 1) / parts); };
  if (parts <= 1 || !parallelRun(static_cast<int>(parts), band)) {
    std::memset(dw, 0, size * sizeof(float));
    filterGradPixels(s, x, dy, dw, 0, pixels);
    return;
  }
  std::memcpy(dw, partial.data(), size * sizeof(float));
  for (long t = 1; t < parts; ++t)
    for (long i = 0; i < size; ++i) dw[i] += partial[t * size + i];
}

}  // namespace siamese
