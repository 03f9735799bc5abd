// AVX-512F micro-kernel, 12×32: 24 zmm accumulators (of 32), 2 B loads and 12
// broadcasts per k. Target attribute as in kernel-avx2.cc.
#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace siamese {
namespace {

constexpr int MR = 12, NR = 32;

#define SIAMESE_ROW(i)                                      \
  a = _mm512_set1_ps(Ap[i]);                                \
  c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);                \
  c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);

__attribute__((target("avx512f"))) void kernelAvx512(long kc, const float* Ap, const float* Bp, float* C, long ldc,
                                                      bool accumulate) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
  __m512 c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps(), c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps();
  __m512 c100 = _mm512_setzero_ps(), c101 = _mm512_setzero_ps(), c110 = _mm512_setzero_ps(), c111 = _mm512_setzero_ps();
  for (long k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(Bp), b1 = _mm512_load_ps(Bp + 16);
    __m512 a;
    SIAMESE_ROW(0) SIAMESE_ROW(1) SIAMESE_ROW(2) SIAMESE_ROW(3) SIAMESE_ROW(4) SIAMESE_ROW(5)
    SIAMESE_ROW(6) SIAMESE_ROW(7) SIAMESE_ROW(8) SIAMESE_ROW(9) SIAMESE_ROW(10) SIAMESE_ROW(11)
    Ap += MR;
    Bp += NR;
  }
#define SIAMESE_STORE(i, lo, hi)                                          \
  {                                                                        \
    float* c = C + (i) * ldc;                                              \
    __m512 l = lo, h = hi;                                                 \
    if (accumulate) {                                                      \
      l = _mm512_add_ps(l, _mm512_loadu_ps(c));                            \
      h = _mm512_add_ps(h, _mm512_loadu_ps(c + 16));                       \
    }                                                                      \
    _mm512_storeu_ps(c, l);                                                \
    _mm512_storeu_ps(c + 16, h);                                           \
  }
  SIAMESE_STORE(0, c00, c01) SIAMESE_STORE(1, c10, c11) SIAMESE_STORE(2, c20, c21) SIAMESE_STORE(3, c30, c31);
  SIAMESE_STORE(4, c40, c41) SIAMESE_STORE(5, c50, c51) SIAMESE_STORE(6, c60, c61) SIAMESE_STORE(7, c70, c71);
  SIAMESE_STORE(8, c80, c81) SIAMESE_STORE(9, c90, c91) SIAMESE_STORE(10, c100, c101) SIAMESE_STORE(11, c110, c111)
#undef SIAMESE_STORE
}
#undef SIAMESE_ROW

const KernelSpec kAvx512{"avx512", kernelAvx512, MR, NR, 192, 240, 3072};

}  // namespace

const KernelSpec* avx512Kernel() { return &kAvx512; }

}  // namespace siamese
#else
namespace siamese {
const KernelSpec* avx512Kernel() { return nullptr; }
}  // namespace siamese
#endif
