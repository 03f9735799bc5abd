// The portable micro-kernel: plain C++ the compiler vectorises for the baseline
// ISA of the build (SSE2 on x86-64, NEON on arm64). Any CPU runs it.
#include "gemm.h"

namespace siamese {
namespace {

constexpr int MR = 4, NR = 8;  // 8 accumulator registers of 4 floats: fits SSE2's 16

void kernelPortable(long kc, const float* Ap, const float* Bp, float* C, long ldc, bool accumulate) {
  float acc[MR][NR] = {};
  for (long k = 0; k < kc; ++k) {
    const float* a = Ap + k * MR;
    const float* b = Bp + k * NR;
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.f) + acc[i][j];
}

const KernelSpec kPortable{"portable", kernelPortable, MR, NR, 256, 128, 4096};

}  // namespace

const KernelSpec& portableKernel() { return kPortable; }

}  // namespace siamese
