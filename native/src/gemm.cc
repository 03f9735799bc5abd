#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "thread-pool.h"

namespace siamese {

void DenseOperand::packA(float* dst, long i0, long mc, long k0, long kc, int mr) const {
  for (long p = 0; p < mc; p += mr) {
    float* panel = dst + (p / mr) * mr * kc;
    long rowsHere = std::min<long>(mr, mc - p);
    if (cs == 1) {
      // Row-major rows: read each row along k, write it with stride mr.
      for (long i = 0; i < rowsHere; ++i) {
        const float* src = data + (i0 + p + i) * rs + k0;
        for (long k = 0; k < kc; ++k) panel[k * mr + i] = src[k];
      }
    } else {
      for (long k = 0; k < kc; ++k) {
        const float* src = data + (k0 + k) * cs + (i0 + p) * rs;
        for (long i = 0; i < rowsHere; ++i) panel[k * mr + i] = src[i * rs];
      }
    }
    if (rowsHere < mr) {
      for (long k = 0; k < kc; ++k)
        for (long i = rowsHere; i < mr; ++i) panel[k * mr + i] = 0.f;
    }
  }
}

void DenseOperand::packB(float* dst, long k0, long kc, long j0, long nc, int nr) const {
  for (long p = 0; p < nc; p += nr) {
    float* panel = dst + (p / nr) * nr * kc;
    long colsHere = std::min<long>(nr, nc - p);
    if (cs == 1) {
      for (long k = 0; k < kc; ++k) {
        const float* src = data + (k0 + k) * rs + j0 + p;
        float* out = panel + k * nr;
        std::memcpy(out, src, colsHere * sizeof(float));
        for (long j = colsHere; j < nr; ++j) out[j] = 0.f;
      }
    } else {
      // Column-major (a transposed operand): read each column along k.
      for (long j = 0; j < colsHere; ++j) {
        const float* src = data + (j0 + p + j) * cs + k0 * rs;
        for (long k = 0; k < kc; ++k) panel[k * nr + j] = src[k * rs];
      }
      for (long k = 0; k < kc; ++k)
        for (long j = colsHere; j < nr; ++j) panel[k * nr + j] = 0.f;
    }
  }
}

void applyEpilogue(float* C, long ldc, long mr, long nr, long j0, const Epilogue& epi) {
  for (long i = 0; i < mr; ++i) {
    float* row = C + i * ldc;
    if (epi.bias)
      for (long j = 0; j < nr; ++j) row[j] += epi.bias[j0 + j];
    switch (epi.activation) {
      case kLinear:
        break;
      case kRelu:
        for (long j = 0; j < nr; ++j) row[j] = row[j] > 0.f ? row[j] : 0.f;
        break;
      case kRelu6:
        for (long j = 0; j < nr; ++j) row[j] = std::min(6.f, std::max(0.f, row[j]));
        break;
      case kLeakyRelu:
        for (long j = 0; j < nr; ++j) row[j] = row[j] < 0.f ? epi.leakyAlpha * row[j] : row[j];
        break;
      case kSigmoid:
        for (long j = 0; j < nr; ++j) row[j] = 1.f / (1.f + std::exp(-row[j]));
        break;
      case kElu:
        for (long j = 0; j < nr; ++j) row[j] = row[j] >= 0.f ? row[j] : std::expm1(row[j]);
        break;
    }
  }
}

namespace {

// Per-thread packing buffers (64-byte aligned), grown on demand.
struct Buffer {
  float* ptr = nullptr;
  size_t size = 0;
  float* get(size_t n) {
    if (n > size) {
      std::free(ptr);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      ptr = static_cast<float*>(std::aligned_alloc(64, bytes));
      size = n;
    }
    return ptr;
  }
  ~Buffer() { std::free(ptr); }
};

thread_local Buffer tlsA, tlsB;

// One thread's share: rows [m0, m1) × cols [n0, n1) of C, all of K.
void gemmRange(const KernelSpec& ks, long m0, long m1, long n0, long n1, long K, const Operand& A, const Operand& B,
               float* C, long ldc, bool accumulate, const Epilogue& epi) {
  const int MR = ks.mr, NR = ks.nr;
  const long KC = ks.kc, MC = ks.mc, NC = ks.nc;
  float* Bp = tlsB.get(static_cast<size_t>(KC) * ((std::min(NC, n1 - n0) + NR - 1) / NR * NR));
  float* Ap = tlsA.get(static_cast<size_t>(KC) * ((std::min(MC, m1 - m0) + MR - 1) / MR * MR));
  alignas(64) float tile[16 * 64];
  const bool withEpilogue = epi.active();
  if (K == 0) {
    // Nothing to multiply: C = 0 (or unchanged), then the epilogue.
    for (long i = m0; i < m1; ++i) {
      if (!accumulate) std::fill(C + i * ldc + n0, C + i * ldc + n1, 0.f);
      if (withEpilogue) applyEpilogue(C + i * ldc + n0, ldc, 1, n1 - n0, n0, epi);
    }
    return;
  }
  for (long jc = n0; jc < n1; jc += NC) {
    const long nc = std::min(NC, n1 - jc);
    for (long pc = 0; pc < K; pc += KC) {
      const long kc = std::min(KC, K - pc);
      const bool acc = accumulate || pc > 0;
      const bool last = pc + kc >= K;
      B.packB(Bp, pc, kc, jc, nc, NR);
      for (long ic = m0; ic < m1; ic += MC) {
        const long mc = std::min(MC, m1 - ic);
        A.packA(Ap, ic, mc, pc, kc, MR);
        for (long jr = 0; jr < nc; jr += NR) {
          const long nr = std::min<long>(NR, nc - jr);
          const float* bPanel = Bp + (jr / NR) * NR * kc;
          for (long ir = 0; ir < mc; ir += MR) {
            const long mr = std::min<long>(MR, mc - ir);
            const float* aPanel = Ap + (ir / MR) * MR * kc;
            float* c = C + (ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR) {
              ks.kernel(kc, aPanel, bPanel, c, ldc, acc);
            } else {
              ks.kernel(kc, aPanel, bPanel, tile, NR, false);
              for (long i = 0; i < mr; ++i)
                for (long j = 0; j < nr; ++j) c[i * ldc + j] = (acc ? c[i * ldc + j] : 0.f) + tile[i * NR + j];
            }
            if (last && withEpilogue) applyEpilogue(c, ldc, mr, nr, jc + jr, epi);
          }
        }
      }
    }
  }
}

// Below this many multiply-adds a GEMM runs on the calling thread (waking the pool costs more).
constexpr double kParallelMinMacs = 4.0e6;

}  // namespace

void gemm(long M, long N, long K, const Operand& A, const Operand& B, float* C, long ldc, bool accumulate,
          const Epilogue& epi) {
  if (M <= 0 || N <= 0) return;
  const KernelSpec& ks = activeKernel();
  const double macs = static_cast<double>(M) * N * (K > 0 ? K : 1);
  int parts = poolThreads();
  if (macs < kParallelMinMacs) parts = 1;
  // Split the larger of M and N into `parts` slices aligned to the tile, so that
  // each thread packs its own slice and nobody waits on a barrier.
  const bool splitRows = M / ks.mr >= N / ks.nr;
  const long units = splitRows ? (M + ks.mr - 1) / ks.mr : (N + ks.nr - 1) / ks.nr;
  if (units < parts) parts = static_cast<int>(units > 0 ? units : 1);
  auto slice = [&](int t) {
    long u0 = units * t / parts, u1 = units * (t + 1) / parts;
    if (splitRows) {
      long m0 = u0 * ks.mr, m1 = std::min(M, u1 * ks.mr);
      if (m0 < m1) gemmRange(ks, m0, m1, 0, N, K, A, B, C, ldc, accumulate, epi);
    } else {
      long n0 = u0 * ks.nr, n1 = std::min(N, u1 * ks.nr);
      if (n0 < n1) gemmRange(ks, 0, M, n0, n1, K, A, B, C, ldc, accumulate, epi);
    }
  };
  if (parts > 1 && parallelRun(parts, slice)) return;
  parts = 1;
  slice(0);
}

}  // namespace siamese
