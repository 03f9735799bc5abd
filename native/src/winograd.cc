// 3×3, stride-1 convolutions as Winograd F(4×4, 3×3) (Lavin & Gray 2015):
// each 4×4 output tile costs 36 multiplies per (input, output) channel pair
// instead of 144. The 6×6 input tiles and the filters are transformed, then 36
// independent GEMMs [tiles × inC]·[inC × outC] run on the same micro-kernel
// as gemm.cc (the filter side packed once per call, the tile side packed by
// the input transform itself), then the output transform adds the bias and the
// activation. Tiles go in chunks sized to stay in L2, chunks across the pool.
#include <algorithm>
#include <cstdlib>
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

struct Buf {
  float* ptr = nullptr;
  size_t size = 0;
  float* get(size_t n) {
    if (n > size) {
      std::free(ptr);
      ptr = static_cast<float*>(std::aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64));
      size = n;
    }
    return ptr;
  }
  ~Buf() { std::free(ptr); }
};
thread_local Buf tlsV, tlsM, tlsD;

inline long roundUp(long v, long m) { return (v + m - 1) / m * m; }

// u (6×6, row-major) = G g Gᵀ for one 3×3 filter g.
void filterTransform(const float g[9], float u[36]) {
  static const float G[6][3] = {{0.25f, 0.f, 0.f},
                                {-1.f / 6, -1.f / 6, -1.f / 6},
                                {-1.f / 6, 1.f / 6, -1.f / 6},
                                {1.f / 24, 1.f / 12, 1.f / 6},
                                {1.f / 24, -1.f / 12, 1.f / 6},
                                {0.f, 0.f, 1.f}};
  float t[6][3];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 3; ++j) t[i][j] = G[i][0] * g[0 * 3 + j] + G[i][1] * g[1 * 3 + j] + G[i][2] * g[2 * 3 + j];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) u[i * 6 + j] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
}

// Bᵀ d B for C channels at once: d[36][C] (row-major 6×6 of channel vectors) → v[36][C].
SIAMESE_CLONES void inputTransform(const float* __restrict d, float* __restrict v, long C) {
  // Rows: t = Bᵀ d, then columns: v = t B.
  float* t = v;  // v used as scratch for the row pass, overwritten by the column pass through `tmp`
  (void)t;
  alignas(64) float tmp[36 * 64];
  for (long c0 = 0; c0 < C; c0 += 64) {
    const long cn = std::min<long>(64, C - c0);
    for (int j = 0; j < 6; ++j) {
      const float* d0 = d + (0 * 6 + j) * C + c0;
      const float* d1 = d + (1 * 6 + j) * C + c0;
      const float* d2 = d + (2 * 6 + j) * C + c0;
      const float* d3 = d + (3 * 6 + j) * C + c0;
      const float* d4 = d + (4 * 6 + j) * C + c0;
      const float* d5 = d + (5 * 6 + j) * C + c0;
      float* o0 = tmp + (0 * 6 + j) * 64;
      float* o1 = tmp + (1 * 6 + j) * 64;
      float* o2 = tmp + (2 * 6 + j) * 64;
      float* o3 = tmp + (3 * 6 + j) * 64;
      float* o4 = tmp + (4 * 6 + j) * 64;
      float* o5 = tmp + (5 * 6 + j) * 64;
      for (long c = 0; c < cn; ++c) {
        o0[c] = 4.f * d0[c] - 5.f * d2[c] + d4[c];
        o1[c] = -4.f * d1[c] - 4.f * d2[c] + d3[c] + d4[c];
        o2[c] = 4.f * d1[c] - 4.f * d2[c] - d3[c] + d4[c];
        o3[c] = -2.f * d1[c] - d2[c] + 2.f * d3[c] + d4[c];
        o4[c] = 2.f * d1[c] - d2[c] - 2.f * d3[c] + d4[c];
        o5[c] = 4.f * d1[c] - 5.f * d3[c] + d5[c];
      }
    }
    for (int i = 0; i < 6; ++i) {
      const float* r0 = tmp + (i * 6 + 0) * 64;
      const float* r1 = tmp + (i * 6 + 1) * 64;
      const float* r2 = tmp + (i * 6 + 2) * 64;
      const float* r3 = tmp + (i * 6 + 3) * 64;
      const float* r4 = tmp + (i * 6 + 4) * 64;
      const float* r5 = tmp + (i * 6 + 5) * 64;
      float* o = v + (i * 6) * C + c0;
      for (long c = 0; c < cn; ++c) {
        o[0 * C + c] = 4.f * r0[c] - 5.f * r2[c] + r4[c];
        o[1 * C + c] = -4.f * r1[c] - 4.f * r2[c] + r3[c] + r4[c];
        o[2 * C + c] = 4.f * r1[c] - 4.f * r2[c] - r3[c] + r4[c];
        o[3 * C + c] = -2.f * r1[c] - r2[c] + 2.f * r3[c] + r4[c];
        o[4 * C + c] = 2.f * r1[c] - r2[c] - 2.f * r3[c] + r4[c];
        o[5 * C + c] = 4.f * r1[c] - 5.f * r3[c] + r5[c];
      }
    }
  }
}

// y (4×4 of K-vectors) = Aᵀ m A, m given as 36 pointers-by-stride: m + xi*mStride + k.
SIAMESE_CLONES void outputTransform(const float* __restrict m, long mStride, float* __restrict out, long K) {
  alignas(64) float tmp[4 * 6 * 64];
  for (long k0 = 0; k0 < K; k0 += 64) {
    const long kn = std::min<long>(64, K - k0);
    for (int j = 0; j < 6; ++j) {
      const float* m0 = m + (0 * 6 + j) * mStride + k0;
      const float* m1 = m + (1 * 6 + j) * mStride + k0;
      const float* m2 = m + (2 * 6 + j) * mStride + k0;
      const float* m3 = m + (3 * 6 + j) * mStride + k0;
      const float* m4 = m + (4 * 6 + j) * mStride + k0;
      const float* m5 = m + (5 * 6 + j) * mStride + k0;
      float* o0 = tmp + (0 * 6 + j) * 64;
      float* o1 = tmp + (1 * 6 + j) * 64;
      float* o2 = tmp + (2 * 6 + j) * 64;
      float* o3 = tmp + (3 * 6 + j) * 64;
      for (long k = 0; k < kn; ++k) {
        const float a = m1[k] + m2[k], b = m1[k] - m2[k], c = m3[k] + m4[k], d = m3[k] - m4[k];
        o0[k] = m0[k] + a + c;
        o1[k] = b + 2.f * d;
        o2[k] = a + 4.f * c;
        o3[k] = b + 8.f * d + m5[k];
      }
    }
    for (int i = 0; i < 4; ++i) {
      const float* r0 = tmp + (i * 6 + 0) * 64;
      const float* r1 = tmp + (i * 6 + 1) * 64;
      const float* r2 = tmp + (i * 6 + 2) * 64;
      const float* r3 = tmp + (i * 6 + 3) * 64;
      const float* r4 = tmp + (i * 6 + 4) * 64;
      const float* r5 = tmp + (i * 6 + 5) * 64;
      float* o = out + (i * 4) * K + k0;
      for (long k = 0; k < kn; ++k) {
        const float a = r1[k] + r2[k], b = r1[k] - r2[k], c = r3[k] + r4[k], d = r3[k] - r4[k];
        o[0 * K + k] = r0[k] + a + c;
        o[1 * K + k] = b + 2.f * d;
        o[2 * K + k] = a + 4.f * c;
        o[3 * K + k] = b + 8.f * d + r5[k];
      }
    }
  }
}

}  // namespace

// The filter transform costs ~36 scattered writes per (input, output) channel pair
// and saves 108 multiplies per pair and tile: below a few dozen tiles (a face
// network's 4×4 and 8×8 stages at batch 1: 59 ms per 4×4×256 conv measured) the
// GEMM path is faster.
constexpr long kWinogradMinTiles = 64;

bool winogradFits(const ConvShape& s) {
  const long tiles = s.batch * ((s.outH + 3) / 4) * ((s.outW + 3) / 4);
  return s.kh == 3 && s.kw == 3 && s.strideH == 1 && s.strideW == 1 && s.dilH == 1 && s.dilW == 1 && s.inC >= 16 &&
         s.outC >= 16 && s.outH >= 4 && s.outW >= 4 && tiles >= kWinogradMinTiles;
}

void winogradConv2d(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& epi) {
  const KernelSpec& ks = activeKernel();
  const long MR = ks.mr, NR = ks.nr, KC = ks.kc;
  const long C = s.inC, K = s.outC, Kp = roundUp(K, NR);
  const long tilesH = (s.outH + 3) / 4, tilesW = (s.outW + 3) / 4, perImage = tilesH * tilesW;
  const long T = s.batch * perImage;

  // U[ξ]: the transformed filter as packed B panels, per KC block of input channels:
  // offset(ξ, pc, j) = ξ*C*Kp + pc*Kp + j*kc*NR; element [ci - pc][co % NR].
  // 64-byte aligned: the micro-kernels load B panels with aligned loads.
  Buf filterBuf;
  float* const Ubase = filterBuf.get(static_cast<size_t>(36) * C * Kp);
  std::memset(Ubase, 0, sizeof(float) * 36 * C * Kp);
  {
    float g[9], u[36];
    for (long ci = 0; ci < C; ++ci) {
      const long pc = ci / KC * KC, kc = std::min(KC, C - pc);
      for (long co = 0; co < K; ++co) {
        for (int t = 0; t < 9; ++t) g[t] = w[(t * C + ci) * K + co];
        filterTransform(g, u);
        const long j = co / NR;
        for (int xi = 0; xi < 36; ++xi)
          Ubase[xi * C * Kp + pc * Kp + j * kc * NR + (ci - pc) * NR + co % NR] = u[xi];
      }
    }
  }

  // Tiles per chunk: V (36 × TB × C) and M (36 × TB × Kp) within ~1 MB.
  const long TB = std::max<long>(MR, (262144 / (36 * (C + Kp))) / MR * MR);
  const long chunks = (T + TB - 1) / TB;
  const Epilogue ep = epi;

  auto runChunk = [&](long chunk) {
    const long t0 = chunk * TB, tn = std::min(TB, T - t0), TBp = roundUp(tn, MR);
    float* V = tlsV.get(static_cast<size_t>(36) * TBp * C);
    float* M = tlsM.get(static_cast<size_t>(36) * TBp * Kp);
    float* D = tlsD.get(static_cast<size_t>(72) * C + 16 * static_cast<size_t>(K));
    float* Dv = D + 36 * C;
    // Input transform, written straight into A-panel layout:
    // offset(ξ, pc, i) = ξ*TBp*C + pc*TBp + (i/MR)*MR*kc; element [ci - pc][i % MR].
    for (long i = 0; i < TBp; ++i) {
      if (i < tn) {
        const long tile = t0 + i, b = tile / perImage, r = tile % perImage;
        const long y0 = (r / tilesW) * 4 - s.padTop, x0 = (r % tilesW) * 4 - s.padLeft;
        for (int dy = 0; dy < 6; ++dy) {
          const long yy = y0 + dy;
          for (int dx = 0; dx < 6; ++dx) {
            const long xx = x0 + dx;
            float* dst = D + (dy * 6 + dx) * C;
            if (yy >= 0 && yy < s.inH && xx >= 0 && xx < s.inW)
              std::memcpy(dst, x + ((b * s.inH + yy) * s.inW + xx) * C, C * sizeof(float));
            else
              std::memset(dst, 0, C * sizeof(float));
          }
        }
        inputTransform(D, Dv, C);
      } else {
        std::memset(Dv, 0, 36 * C * sizeof(float));
      }
      const long panel = i / MR, lane = i % MR;
      for (int xi = 0; xi < 36; ++xi) {
        const float* src = Dv + xi * C;
        float* base = V + xi * TBp * C;
        for (long pc = 0; pc < C; pc += KC) {
          const long kc = std::min(KC, C - pc);
          float* dst = base + pc * TBp + panel * MR * kc + lane;
          for (long k = 0; k < kc; ++k) dst[k * MR] = src[pc + k];
        }
      }
    }
    // 36 GEMMs: M[ξ] (TBp × Kp, row stride Kp) = V[ξ] · U[ξ].
    for (int xi = 0; xi < 36; ++xi) {
      const float* Vx = V + xi * TBp * C;
      const float* Ux = Ubase + xi * C * Kp;
      float* Mx = M + xi * TBp * Kp;
      for (long pc = 0; pc < C; pc += KC) {
        const long kc = std::min(KC, C - pc);
        for (long j = 0; j < Kp / NR; ++j) {
          const float* Bp = Ux + pc * Kp + j * kc * NR;
          for (long ip = 0; ip < TBp / MR; ++ip)
            ks.kernel(kc, Vx + pc * TBp + ip * MR * kc, Bp, Mx + ip * MR * Kp + j * NR, Kp, pc > 0);
        }
      }
    }
    // Output transform, bias and activation, clipped at the image edge.
    float* out = D;  // 16 × K scratch (D is free now)
    for (long i = 0; i < tn; ++i) {
      const long tile = t0 + i, b = tile / perImage, r = tile % perImage;
      const long oy0 = (r / tilesW) * 4, ox0 = (r % tilesW) * 4;
      outputTransform(M + i * Kp, TBp * Kp, out, K);
      for (int dy = 0; dy < 4 && oy0 + dy < s.outH; ++dy)
        for (int dx = 0; dx < 4 && ox0 + dx < s.outW; ++dx) {
          float* dst = y + ((b * s.outH + oy0 + dy) * s.outW + ox0 + dx) * K;
          std::memcpy(dst, out + (dy * 4 + dx) * K, K * sizeof(float));
          if (ep.active()) applyEpilogue(dst, K, 1, K, 0, ep);
        }
    }
  };

  const int parts = static_cast<int>(std::max<long>(1, std::min<long>(poolThreads(), chunks)));
  auto worker = [&](int t) {
    for (long c = t; c < chunks; c += parts) runChunk(c);
  };
  if (parts <= 1 || !parallelRun(parts, worker)) {
    for (long c = 0; c < chunks; ++c) runChunk(c);
  }
}

namespace {

// Ỹ (6×6 of K-vectors) = A dy Aᵀ for one 4×4 dy tile (rows/columns past the image already zero).
SIAMESE_CLONES void dyTransform(const float* __restrict g, float* __restrict out, long K) {
  alignas(64) float tmp[6 * 4 * 64];
  for (long k0 = 0; k0 < K; k0 += 64) {
    const long kn = std::min<long>(64, K - k0);
    for (int j = 0; j < 4; ++j) {
      const float* g0 = g + (0 * 4 + j) * K + k0;
      const float* g1 = g + (1 * 4 + j) * K + k0;
      const float* g2 = g + (2 * 4 + j) * K + k0;
      const float* g3 = g + (3 * 4 + j) * K + k0;
      float* o = tmp + j * 64;  // tmp[xi][j][k] at (xi*4 + j)*64
      for (long k = 0; k < kn; ++k) {
        const float a = g0[k] + g2[k], b = g1[k] + g3[k], c = g0[k] + 4.f * g2[k], d = 2.f * g1[k] + 8.f * g3[k];
        o[(0 * 4) * 64 + k] = g0[k];
        o[(1 * 4) * 64 + k] = a + b;
        o[(2 * 4) * 64 + k] = a - b;
        o[(3 * 4) * 64 + k] = c + d;
        o[(4 * 4) * 64 + k] = c - d;
        o[(5 * 4) * 64 + k] = g3[k];
      }
    }
    for (int xi = 0; xi < 6; ++xi) {
      const float* r0 = tmp + (xi * 4 + 0) * 64;
      const float* r1 = tmp + (xi * 4 + 1) * 64;
      const float* r2 = tmp + (xi * 4 + 2) * 64;
      const float* r3 = tmp + (xi * 4 + 3) * 64;
      float* o = out + (xi * 6) * K + k0;
      for (long k = 0; k < kn; ++k) {
        const float a = r0[k] + r2[k], b = r1[k] + r3[k], c = r0[k] + 4.f * r2[k], d = 2.f * r1[k] + 8.f * r3[k];
        o[0 * K + k] = r0[k];
        o[1 * K + k] = a + b;
        o[2 * K + k] = a - b;
        o[3 * K + k] = c + d;
        o[4 * K + k] = c - d;
        o[5 * K + k] = r3[k];
      }
    }
  }
}

}  // namespace

// dW = Gᵀ [Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)] G (Lavin & Gray §4; the identity
// Σ_ξ Aᵀ[i][ξ] G[ξ][k] Bᵀ[ξ][u] = δ(u = i + k) of F(4×4, 3×3)): per group of
// tiles, 36 GEMMs W̃_ξ[ci, co] += V_ξᵀ[ci, T] · Ỹ_ξ[T, co], the ξ spread over the pool.
void winogradConv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const long C = s.inC, K = s.outC;
  const long tilesH = (s.outH + 3) / 4, tilesW = (s.outW + 3) / 4, perImage = tilesH * tilesW;
  const long T = s.batch * perImage;
  // Tiles per group: V (36·TG·C) and Ỹ (36·TG·K) within ~16 MB.
  const long TG = std::max<long>(16, std::min<long>(T, (4L << 20) / (36 * (C + K))));
  Buf vBuf, yBuf, wBuf;
  float* V = vBuf.get(static_cast<size_t>(36) * TG * C);
  float* Y = yBuf.get(static_cast<size_t>(36) * TG * K);
  float* W = wBuf.get(static_cast<size_t>(36) * C * K);
  for (long g0 = 0; g0 < T; g0 += TG) {
    const long tg = std::min(TG, T - g0);
    parallelFor(tg, 8, [&](long i0, long i1) {
      float* D = tlsD.get(static_cast<size_t>(72) * C + 52 * static_cast<size_t>(K));
      float* Dv = D + 36 * C;
      float* G4 = D;  // reused after the input transform: 16·K dy tile + 36·K transformed
      for (long i = i0; i < i1; ++i) {
        const long tile = g0 + i, b = tile / perImage, r = tile % perImage;
        const long oy0 = (r / tilesW) * 4, ox0 = (r % tilesW) * 4;
        const long y0 = oy0 - s.padTop, x0 = ox0 - s.padLeft;
        for (int u = 0; u < 6; ++u) {
          const long yy = y0 + u;
          for (int v = 0; v < 6; ++v) {
            const long xx = x0 + v;
            float* dst = D + (u * 6 + v) * C;
            if (yy >= 0 && yy < s.inH && xx >= 0 && xx < s.inW)
              std::memcpy(dst, x + ((b * s.inH + yy) * s.inW + xx) * C, C * sizeof(float));
            else
              std::memset(dst, 0, C * sizeof(float));
          }
        }
        inputTransform(D, Dv, C);
        for (int xi = 0; xi < 36; ++xi) std::memcpy(V + (xi * TG + i) * C, Dv + xi * C, C * sizeof(float));
        float* Gy = G4 + 72 * C;  // past D and Dv
        for (int u = 0; u < 4; ++u)
          for (int v = 0; v < 4; ++v) {
            float* dst = Gy + (u * 4 + v) * K;
            if (oy0 + u < s.outH && ox0 + v < s.outW)
              std::memcpy(dst, dy + ((b * s.outH + oy0 + u) * s.outW + ox0 + v) * K, K * sizeof(float));
            else
              std::memset(dst, 0, K * sizeof(float));
          }
        float* Gt = Gy + 16 * K;
        dyTransform(Gy, Gt, K);
        for (int xi = 0; xi < 36; ++xi) std::memcpy(Y + (xi * TG + i) * K, Gt + xi * K, K * sizeof(float));
      }
    });
    const bool acc = g0 > 0;
    auto gemms = [&](int t, int parts) {
      for (int xi = t; xi < 36; xi += parts) {
        DenseOperand A(V + xi * TG * C, C, tg, 1, C);  // V_ξᵀ: element (ci, tile) at tile*C + ci
        DenseOperand B(Y + xi * TG * K, tg, K, K, 1);
        gemm(C, K, tg, A, B, W + xi * C * K, K, acc);
      }
    };
    const int parts = poolThreads();
    if (parts <= 1 || !parallelRun(parts, [&](int t) { gemms(t, parts); })) gemms(0, 1);
  }
  // dW[ky][kx][ci][co] = Σ_{ξ,η} G[ξ][ky] G[η][kx] W̃[ξ·6+η][ci][co]
  static const float G[6][3] = {{0.25f, 0.f, 0.f},
                                {-1.f / 6, -1.f / 6, -1.f / 6},
                                {-1.f / 6, 1.f / 6, -1.f / 6},
                                {1.f / 24, 1.f / 12, 1.f / 6},
                                {1.f / 24, -1.f / 12, 1.f / 6},
                                {0.f, 0.f, 1.f}};
  const long CK = C * K;
  parallelFor(CK, 4096, [&](long e0, long e1) {
    for (int ky = 0; ky < 3; ++ky)
      for (int kx = 0; kx < 3; ++kx) {
        float* out = dw + (ky * 3 + kx) * CK;
        for (long e = e0; e < e1; ++e) out[e] = 0.f;
        for (int xi = 0; xi < 6; ++xi)
          for (int eta = 0; eta < 6; ++eta) {
            const float f = G[xi][ky] * G[eta][kx];
            if (f == 0.f) continue;
            const float* src = W + (xi * 6 + eta) * CK;
            for (long e = e0; e < e1; ++e) out[e] += f * src[e];
          }
      }
  });
}

}  // namespace siamese
