#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "thread-pool.h"

// One copy of each hot loop per ISA, chosen by the loader (ifunc) on Linux/x86-64;
// elsewhere the compiler's baseline.
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define SIAMESE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIAMESE_CLONES
#endif

namespace siamese {

void parallelFor(long n, long grain, const std::function<void(long, long)>& fn) {
  if (n <= 0) return;
  long parts = std::min<long>(poolThreads(), (n + grain - 1) / grain);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  // Slices aligned to 16 floats (one cache line) so threads never share a line they write.
  auto part = [&](int t) {
    long b = (n * t / parts) & ~15L, e = t + 1 == parts ? n : (n * (t + 1) / parts) & ~15L;
    if (b < e) fn(b, e);
  };
  if (!parallelRun(static_cast<int>(parts), part)) fn(0, n);
}

namespace {

// Below ~1 MB per thread, waking a pool thread costs more than it saves (and on a
// loaded machine a woken thread can wait a scheduler slice: 20 ms per 39k-element
// Relu was measured with a 128 KB grain).
constexpr long kGrain = 1L << 18;

template <int Op>
inline float apply(float x, float y) {
  if (Op == kAdd) return x + y;
  if (Op == kSub) return x - y;
  if (Op == kMul) return x * y;
  if (Op == kDiv) return x / y;
  if (Op == kMaximum) return x > y ? x : y;
  return x < y ? x : y;
}

// out[i] = a[i] op b[i]
template <int Op>
inline void same(const float* __restrict a, const float* __restrict b, float* __restrict out, long n) {
  for (long i = 0; i < n; ++i) out[i] = apply<Op>(a[i], b[i]);
}
template <int Op>
inline void scalarB(const float* __restrict a, float s, float* __restrict out, long n) {
  for (long i = 0; i < n; ++i) out[i] = apply<Op>(a[i], s);
}
template <int Op>
inline void scalarA(float s, const float* __restrict b, float* __restrict out, long n) {
  for (long i = 0; i < n; ++i) out[i] = apply<Op>(s, b[i]);
}

template <int Op>
SIAMESE_CLONES void binaryRange(const float* a, long an, const float* b, long bn, float* out, long i0, long i1) {
  if (an == bn) {
    same<Op>(a + i0, b + i0, out + i0, i1 - i0);
  } else if (bn == 1) {
    scalarB<Op>(a + i0, b[0], out + i0, i1 - i0);
  } else if (an == 1) {
    scalarA<Op>(a[0], b + i0, out + i0, i1 - i0);
  } else if (bn < an) {
    // b repeats along the rows of a (a bias): row by row, the inner loop vectorises.
    long i = i0;
    while (i < i1) {
      long j = i % bn, len = std::min(bn - j, i1 - i);
      same<Op>(a + i, b + j, out + i, len);
      i += len;
    }
  } else {
    long i = i0;
    while (i < i1) {
      long j = i % an, len = std::min(an - j, i1 - i);
      same<Op>(a + j, b + i, out + i, len);
      i += len;
    }
  }
}

template <int Op>
void binaryOp(const float* a, long an, const float* b, long bn, float* out, long n) {
  parallelFor(n, kGrain, [&](long i0, long i1) { binaryRange<Op>(a, an, b, bn, out, i0, i1); });
}

SIAMESE_CLONES void unaryRange(int op, const float* __restrict x, float* __restrict out, long n, float alpha) {
  switch (op) {
    case kUnaryRelu:
      for (long i = 0; i < n; ++i) out[i] = x[i] < 0.f ? 0.f : x[i];
      break;
    case kUnaryStep:
      // tfjs: 1 where x > 0, alpha elsewhere, NaN stays NaN.
      for (long i = 0; i < n; ++i) out[i] = x[i] > 0.f ? 1.f : (x[i] != x[i] ? x[i] : alpha);
      break;
    case kUnaryRelu6:
      for (long i = 0; i < n; ++i) out[i] = std::min(6.f, std::max(0.f, x[i]));
      break;
    case kUnaryNeg:
      for (long i = 0; i < n; ++i) out[i] = -x[i];
      break;
    case kUnarySquare:
      for (long i = 0; i < n; ++i) out[i] = x[i] * x[i];
      break;
    default:
      std::memcpy(out, x, n * sizeof(float));
  }
}

SIAMESE_CLONES void sumRange(const float* __restrict x, long r0, long r1, long cols, float* __restrict acc) {
  for (long r = r0; r < r1; ++r) {
    const float* row = x + r * cols;
    for (long c = 0; c < cols; ++c) acc[c] += row[c];
  }
}

// One row of 2×2 windows: y[ox, c] = max of the window; writes out-row `oy`.
SIAMESE_CLONES void poolRow(const float* __restrict r0, const float* __restrict r1, long ow, long c, float* __restrict y) {
  for (long ox = 0; ox < ow; ++ox) {
    const float* a = r0 + 2 * ox * c;
    const float* b = r1 + 2 * ox * c;
    float* o = y + ox * c;
    for (long k = 0; k < c; ++k) {
      float m = a[k];
      m = a[c + k] > m ? a[c + k] : m;
      m = b[k] > m ? b[k] : m;
      m = b[c + k] > m ? b[c + k] : m;
      o[k] = m;
    }
  }
}

SIAMESE_CLONES void poolGradRow(const float* __restrict x0, const float* __restrict x1, const float* __restrict g, long ow,
                                long c, float* __restrict d0, float* __restrict d1) {
  for (long ox = 0; ox < ow; ++ox) {
    const float* a = x0 + 2 * ox * c;
    const float* b = x1 + 2 * ox * c;
    const float* gy = g + ox * c;
    float* da = d0 + 2 * ox * c;
    float* db = d1 + 2 * ox * c;
    for (long k = 0; k < c; ++k) {
      // First maximum in row-major window order wins ties, as the cpu backend's argmax (strict >).
      const float v0 = a[k], v1 = a[c + k], v2 = b[k], v3 = b[c + k];
      float m = v0;
      int at = 0;
      if (v1 > m) { m = v1; at = 1; }
      if (v2 > m) { m = v2; at = 2; }
      if (v3 > m) { m = v3; at = 3; }
      const float gv = gy[k];
      da[k] = at == 0 ? gv : 0.f;
      da[c + k] = at == 1 ? gv : 0.f;
      db[k] = at == 2 ? gv : 0.f;
      db[c + k] = at == 3 ? gv : 0.f;
    }
  }
}

SIAMESE_CLONES void addNRange(const float* const* in, long count, float* __restrict out, long i0, long i1) {
  // In blocks that stay in L1, so `out` is written to memory once.
  constexpr long kBlock = 2048;
  for (long b = i0; b < i1; b += kBlock) {
    const long e = std::min(i1, b + kBlock);
    const float* __restrict a0 = in[0];
    if (count == 1) {
      for (long i = b; i < e; ++i) out[i] = a0[i];
      continue;
    }
    const float* __restrict a1 = in[1];
    for (long i = b; i < e; ++i) out[i] = a0[i] + a1[i];
    for (long k = 2; k < count; ++k) {
      const float* __restrict ak = in[k];
      for (long i = b; i < e; ++i) out[i] += ak[i];
    }
  }
}

SIAMESE_CLONES void adamRange(float* __restrict out, const float* __restrict w, const float* __restrict g,
                              float* __restrict m, float* __restrict v, long n, float b1, float b2, float a, float s,
                              float eps) {
  const float c1 = 1.f - b1, c2 = 1.f - b2;
  for (long i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i] - (a * mi) / (std::sqrt(vi) * s + eps);
  }
}

}  // namespace

void adamUpdate(float* out, const float* w, const float* g, float* m, float* v, long n, float beta1, float beta2, float a,
                float s, float eps) {
  parallelFor(n, kGrain, [&](long i0, long i1) {
    adamRange(out + i0, w + i0, g + i0, m + i0, v + i0, i1 - i0, beta1, beta2, a, s, eps);
  });
}

void addN(const float* const* in, long count, float* out, long n) {
  parallelFor(n, kGrain, [&](long i0, long i1) { addNRange(in, count, out, i0, i1); });
}

void binary(int op, const float* a, long an, const float* b, long bn, float* out, long n) {
  switch (op) {
    case kAdd: return binaryOp<kAdd>(a, an, b, bn, out, n);
    case kSub: return binaryOp<kSub>(a, an, b, bn, out, n);
    case kMul: return binaryOp<kMul>(a, an, b, bn, out, n);
    case kDiv: return binaryOp<kDiv>(a, an, b, bn, out, n);
    case kMaximum: return binaryOp<kMaximum>(a, an, b, bn, out, n);
    default: return binaryOp<kMinimum>(a, an, b, bn, out, n);
  }
}

void unary(int op, const float* x, float* out, long n, float alpha) {
  parallelFor(n, kGrain, [&](long i0, long i1) { unaryRange(op, x + i0, out + i0, i1 - i0, alpha); });
}

void sumRows(const float* x, long rows, long cols, float* y) {
  // Each thread sums a band of rows into its own partial; the partials are added in thread order.
  const long parts = std::max<long>(1, std::min<long>(poolThreads(), rows * cols / kGrain));
  std::vector<float> partial(static_cast<size_t>(parts) * cols, 0.f);
  auto band = [&](int t) { sumRange(x, rows * t / parts, rows * (t + 1) / parts, cols, partial.data() + t * cols); };
  if (parts <= 1 || !parallelRun(static_cast<int>(parts), band)) {
    std::fill(partial.begin(), partial.end(), 0.f);
    sumRange(x, 0, rows, cols, partial.data());
    std::memcpy(y, partial.data(), cols * sizeof(float));
    return;
  }
  std::memcpy(y, partial.data(), cols * sizeof(float));
  for (long t = 1; t < parts; ++t)
    for (long c = 0; c < cols; ++c) y[c] += partial[t * cols + c];
}

void maxPool2x2(const float* x, long n, long h, long w, long c, float* y) {
  const long oh = h / 2, ow = w / 2;
  parallelFor(n * oh, std::max<long>(1, kGrain / std::max<long>(1, 2 * w * c)), [&](long r0, long r1) {
    for (long r = r0; r < r1; ++r) {
      const long b = r / oh, oy = r % oh;
      const float* in = x + ((b * h + 2 * oy) * w) * c;
      poolRow(in, in + w * c, ow, c, y + r * ow * c);
    }
  });
}

void maxPoolGrad2x2(const float* x, const float* dy, long n, long h, long w, long c, float* dx) {
  const long oh = h / 2, ow = w / 2;
  // Work in units of input rows pairs; the odd last row / column (outside every window) get zeros.
  parallelFor(n * oh, std::max<long>(1, kGrain / std::max<long>(1, 2 * w * c)), [&](long r0, long r1) {
    for (long r = r0; r < r1; ++r) {
      const long b = r / oh, oy = r % oh;
      const long off = ((b * h + 2 * oy) * w) * c;
      poolGradRow(x + off, x + off + w * c, dy + r * ow * c, ow, c, dx + off, dx + off + w * c);
      if (w % 2) {
        std::memset(dx + off + 2 * ow * c, 0, c * sizeof(float));
        std::memset(dx + off + w * c + 2 * ow * c, 0, c * sizeof(float));
      }
      if (h % 2 && oy == oh - 1) std::memset(dx + ((b * h + h - 1) * w) * c, 0, w * c * sizeof(float));
    }
  });
  if (oh == 0) std::memset(dx, 0, sizeof(float) * n * h * w * c);
}

}  // namespace siamese
