#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace siamese {
namespace {

// The im2col matrix X[pixel, tap] of an NHWC image, tap = (ky*kw + kx)*inC + ci,
// never materialised: the packers gather straight from the image (zeros for
// padding). `transposed` views it as Xᵀ[tap, pixel] (the filter gradient).
class Im2colOperand final : public Operand {
 public:
  Im2colOperand(const ConvShape& s, const float* x, bool transposed) : s_(s), x_(x), transposed_(transposed) {}

  void packA(float* dst, long i0, long mc, long k0, long kc, int mr) const override {
    for (long p = 0; p < mc; p += mr) {
      float* panel = dst + (p / mr) * mr * kc;
      const long rowsHere = std::min<long>(mr, mc - p);
      if (!transposed_) {
        for (long i = 0; i < rowsHere; ++i) segment(i0 + p + i, k0, kc, panel + i, mr);
        for (long i = rowsHere; i < mr; ++i)
          for (long k = 0; k < kc; ++k) panel[k * mr + i] = 0.f;
      } else {
        // rows are taps, k runs over pixels: one contiguous tap run per pixel.
        for (long k = 0; k < kc; ++k) {
          float* out = panel + k * mr;
          segment(k0 + k, i0 + p, rowsHere, out, 1);
          for (long i = rowsHere; i < mr; ++i) out[i] = 0.f;
        }
      }
    }
  }

  void packB(float* dst, long k0, long kc, long j0, long nc, int nr) const override {
    for (long p = 0; p < nc; p += nr) {
      float* panel = dst + (p / nr) * nr * kc;
      const long colsHere = std::min<long>(nr, nc - p);
      if (!transposed_) {
        for (long k = 0; k < kc; ++k) {
          float* out = panel + k * nr;
          segment(k0 + k, j0 + p, colsHere, out, 1);
          for (long j = colsHere; j < nr; ++j) out[j] = 0.f;
        }
      } else {
        for (long j = 0; j < colsHere; ++j) segment(j0 + p + j, k0, kc, panel + j, nr);
        for (long k = 0; k < kc; ++k)
          for (long j = colsHere; j < nr; ++j) panel[k * nr + j] = 0.f;
      }
    }
  }

 private:
  // Writes X[pixel, c0 .. c0+len) to out[0], out[stride], ...
  void segment(long pixel, long c0, long len, float* out, long stride) const {
    const long perImage = s_.outH * s_.outW;
    const long b = pixel / perImage, r = pixel % perImage;
    const long oy = r / s_.outW, ox = r % s_.outW;
    long tap = c0 / s_.inC, ci = c0 % s_.inC;
    while (len > 0) {
      const long ky = tap / s_.kw, kx = tap % s_.kw;
      const long y = oy * s_.strideH - s_.padTop + ky * s_.dilH;
      const long xx = ox * s_.strideW - s_.padLeft + kx * s_.dilW;
      const long n = std::min(s_.inC - ci, len);
      if (y >= 0 && y < s_.inH && xx >= 0 && xx < s_.inW) {
        const float* src = x_ + ((b * s_.inH + y) * s_.inW + xx) * s_.inC + ci;
        if (stride == 1) {
          std::memcpy(out, src, n * sizeof(float));
        } else {
          for (long t = 0; t < n; ++t) out[t * stride] = src[t];
        }
      } else if (stride == 1) {
        std::memset(out, 0, n * sizeof(float));
      } else {
        for (long t = 0; t < n; ++t) out[t * stride] = 0.f;
      }
      out += n * stride;
      len -= n;
      ++tap;
      ci = 0;
    }
  }

  ConvShape s_;
  const float* x_;
  bool transposed_;
};

}  // namespace

void conv2d(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& epi) {
  if (directConvFits(s)) return directConv2d(s, x, w, y, epi);
  if (winogradFits(s)) return winogradConv2d(s, x, w, y, epi);
  const long pixels = s.batch * s.outH * s.outW, taps = s.kh * s.kw * s.inC;
  Im2colOperand A(s, x, false);
  DenseOperand B(w, taps, s.outC, s.outC, 1);
  gemm(pixels, s.outC, taps, A, B, y, s.outC, false, epi);
}

void conv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  if (directConvFits(s)) return directConv2dBackpropFilter(s, x, dy, dw);
  if (winogradFits(s)) return winogradConv2dBackpropFilter(s, x, dy, dw);
  const long pixels = s.batch * s.outH * s.outW, taps = s.kh * s.kw * s.inC;
  // dW[tap, co] = Xᵀ[tap, pixel] · dy[pixel, co]
  Im2colOperand A(s, x, true);
  DenseOperand B(dy, pixels, s.outC, s.outC, 1);
  gemm(taps, s.outC, pixels, A, B, dw, s.outC, false);
}

void conv2dBackpropInput(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const long taps = s.kh * s.kw * s.inC;
  if (s.strideH == 1 && s.strideW == 1) {
    // A forward convolution of dy with the filter rotated by 180° and its channels
    // swapped: no scatter, the whole GEMM machinery including its threads.
    std::vector<float> rotated(static_cast<size_t>(taps) * s.outC);
    for (long ky = 0; ky < s.kh; ++ky)
      for (long kx = 0; kx < s.kw; ++kx)
        for (long ci = 0; ci < s.inC; ++ci)
          for (long co = 0; co < s.outC; ++co)
            rotated[(((s.kh - 1 - ky) * s.kw + (s.kw - 1 - kx)) * s.outC + co) * s.inC + ci] =
                w[((ky * s.kw + kx) * s.inC + ci) * s.outC + co];
    ConvShape t{s.batch, s.outH, s.outW, s.outC, s.kh, s.kw, 1, 1, s.dilH, s.dilW,
                (s.kh - 1) * s.dilH - s.padTop, (s.kw - 1) * s.dilW - s.padLeft, s.inH, s.inW, s.inC};
    conv2d(t, dy, rotated.data(), dx, Epilogue());
    return;
  }
  // Strided: col[pixel, tap] = dy[pixel, co] · W[tap, co]ᵀ in chunks of pixels, scattered back (col2im).
  std::memset(dx, 0, sizeof(float) * s.batch * s.inH * s.inW * s.inC);
  const long pixels = s.batch * s.outH * s.outW;
  const long chunk = std::max<long>(1, std::min<long>(pixels, (4L << 20) / std::max<long>(taps, 1)));
  std::vector<float> col(static_cast<size_t>(chunk) * taps);
  DenseOperand B(w, s.outC, taps, 1, s.outC);
  for (long p0 = 0; p0 < pixels; p0 += chunk) {
    const long n = std::min(chunk, pixels - p0);
    DenseOperand A(dy + p0 * s.outC, n, s.outC, s.outC, 1);
    gemm(n, taps, s.outC, A, B, col.data(), taps, false);
    for (long q = 0; q < n; ++q) {
      const long pixel = p0 + q, perImage = s.outH * s.outW;
      const long b = pixel / perImage, r = pixel % perImage, oy = r / s.outW, ox = r % s.outW;
      const float* src = col.data() + q * taps;
      for (long ky = 0; ky < s.kh; ++ky) {
        const long y = oy * s.strideH - s.padTop + ky * s.dilH;
        if (y < 0 || y >= s.inH) continue;
        for (long kx = 0; kx < s.kw; ++kx) {
          const long xx = ox * s.strideW - s.padLeft + kx * s.dilW;
          if (xx < 0 || xx >= s.inW) continue;
          float* out = dx + ((b * s.inH + y) * s.inW + xx) * s.inC;
          const float* in = src + (ky * s.kw + kx) * s.inC;
          for (long ci = 0; ci < s.inC; ++ci) out[ci] += in[ci];
        }
      }
    }
  }
}

}  // namespace siamese
