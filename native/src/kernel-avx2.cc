// AVX2 + FMA micro-kernel, 6×16: 12 ymm accumulators, 2 B loads and 6
// broadcasts per k. The ISA is in the function's target attribute, so this file
// builds with baseline flags and only runs where gemm-dispatch.cc found AVX2+FMA.
#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace siamese {
namespace {

constexpr int MR = 6, NR = 16;

__attribute__((target("avx2,fma"))) void kernelAvx2(long kc, const float* Ap, const float* Bp, float* C, long ldc,
                                                     bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (long k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(Bp), b1 = _mm256_load_ps(Bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    Ap += MR;
    Bp += NR;
  }
#define SIAMESE_STORE(i, lo, hi)                                          \
  {                                                                        \
    float* c = C + (i) * ldc;                                              \
    __m256 l = lo, h = hi;                                                 \
    if (accumulate) {                                                      \
      l = _mm256_add_ps(l, _mm256_loadu_ps(c));                            \
      h = _mm256_add_ps(h, _mm256_loadu_ps(c + 8));                        \
    }                                                                      \
    _mm256_storeu_ps(c, l);                                                \
    _mm256_storeu_ps(c + 8, h);                                            \
  }
  SIAMESE_STORE(0, c00, c01) SIAMESE_STORE(1, c10, c11) SIAMESE_STORE(2, c20, c21);
  SIAMESE_STORE(3, c30, c31) SIAMESE_STORE(4, c40, c41) SIAMESE_STORE(5, c50, c51)
#undef SIAMESE_STORE
}

const KernelSpec kAvx2{"avx2", kernelAvx2, MR, NR, 256, 144, 4096};

}  // namespace

const KernelSpec* avx2Kernel() { return &kAvx2; }

}  // namespace siamese
#else
namespace siamese {
const KernelSpec* avx2Kernel() { return nullptr; }
}  // namespace siamese
#endif
