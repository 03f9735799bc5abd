// Runtime choice of the micro-kernel: the widest path this CPU runs.
#include <atomic>
#include <cstring>

#include "gemm.h"

namespace siamese {
namespace {

const KernelSpec* detect() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (avx512Kernel() && __builtin_cpu_supports("avx512f")) return avx512Kernel();
  if (avx2Kernel() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return avx2Kernel();
#endif
  return &portableKernel();
}

std::atomic<const KernelSpec*>& current() {
  static std::atomic<const KernelSpec*> k{detect()};
  return k;
}

}  // namespace

const KernelSpec& activeKernel() { return *current().load(std::memory_order_relaxed); }

bool cpuSupports(const char* name) {
  if (std::strcmp(name, "portable") == 0) return true;
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (std::strcmp(name, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (std::strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f");
#endif
  return false;
}

bool selectKernel(const char* name) {
  if (!cpuSupports(name)) return false;
  const KernelSpec* k = std::strcmp(name, "avx512") == 0 ? avx512Kernel()
                        : std::strcmp(name, "avx2") == 0 ? avx2Kernel()
                                                         : &portableKernel();
  if (!k) return false;
  current().store(k);
  return true;
}

}  // namespace siamese
