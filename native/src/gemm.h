// Packed, cache-blocked SGEMM with a register-tiled micro-kernel (Goto/BLIS
// structure): C[M×N] (+)= A[M×K] · B[K×N], where A and B are "logical
// matrices" that know how to pack themselves. A dense strided matrix covers
// plain and transposed operands; an im2col view of an NHWC image covers the
// convolutions without materialising the im2col matrix (conv.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace siamese {

// One logical operand. packA writes rows [i0, i0+mc) × cols [k0, k0+kc) as
// panels of `mr` rows (k-major inside a panel: dst[p*mr*kc + k*mr + i]), rows
// past the matrix zero-filled. packB writes rows [k0, k0+kc) × cols [j0, j0+nc)
// as panels of `nr` columns (dst[p*nr*kc + k*nr + j]), zero-filled likewise.
struct Operand {
  virtual ~Operand() = default;
  virtual void packA(float* dst, long i0, long mc, long k0, long kc, int mr) const = 0;
  virtual void packB(float* dst, long k0, long kc, long j0, long nc, int nr) const = 0;
};

// element(r, c) = data[r*rs + c*cs]; rows × cols.
struct DenseOperand final : Operand {
  const float* data;
  long rows, cols, rs, cs;
  DenseOperand(const float* d, long r, long c, long rowStride, long colStride)
      : data(d), rows(r), cols(c), rs(rowStride), cs(colStride) {}
  void packA(float* dst, long i0, long mc, long k0, long kc, int mr) const override;
  void packB(float* dst, long k0, long kc, long j0, long nc, int nr) const override;
};

enum Activation : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kSigmoid = 4, kElu = 5 };

// Applied to each finished C tile while it is still in L1: + bias[col], then the activation.
struct Epilogue {
  const float* bias = nullptr;  // length N, or null
  Activation activation = kLinear;
  float leakyAlpha = 0.2f;
  bool active() const { return bias != nullptr || activation != kLinear; }
};

// Micro-kernel: C[mr×nr tile, row stride ldc] (+)= Ap(kc×MR panel) · Bp(kc×NR panel), full tile.
using MicroKernel = void (*)(long kc, const float* Ap, const float* Bp, float* C, long ldc, bool accumulate);

struct KernelSpec {
  const char* name;
  MicroKernel kernel;
  int mr, nr;
  long kc, mc, nc;  // cache blocking
};

// Chosen at run time: AVX-512 → AVX2+FMA → portable (gemm-dispatch.cc).
const KernelSpec& activeKernel();
// "avx512" | "avx2" | "portable"; false when the CPU cannot run it or the name is unknown.
bool selectKernel(const char* name);
// Which paths this CPU (and this build) can run.
bool cpuSupports(const char* name);

const KernelSpec& portableKernel();
const KernelSpec* avx2Kernel();    // null where not compiled (non-x86)
const KernelSpec* avx512Kernel();  // null where not compiled (non-x86)

// C has row stride ldc. accumulate: C += A·B, else C = A·B. Splits the work
// across the thread pool when it is large and the pool is free.
void gemm(long M, long N, long K, const Operand& A, const Operand& B, float* C, long ldc, bool accumulate,
          const Epilogue& epi = Epilogue());

void applyEpilogue(float* C, long ldc, long mr, long nr, long j0, const Epilogue& epi);

}  // namespace siamese
