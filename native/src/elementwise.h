// Memory-bound kernels of a training step (element-wise ops, the bias-gradient
// reduction, 2×2 max pooling and its gradient), split across the thread pool.
// wasm runs them on one thread with 128-bit SIMD; here they use every core and
// the widest vectors (target clones where the compiler supports them).
#pragma once
#include <functional>

namespace siamese {

// fn(begin, end) over [0, n) in contiguous slices of at least `grain`, on the pool when free.
void parallelFor(long n, long grain, const std::function<void(long, long)>& fn);

enum BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMaximum = 4, kMinimum = 5 };
// out[i] = a[i % an] op b[i % bn] for i in [0, n); an and bn divide n.
void binary(int op, const float* a, long an, const float* b, long bn, float* out, long n);

enum UnaryOp : int { kUnaryRelu = 0, kUnaryStep = 1, kUnaryCopy = 2, kUnaryRelu6 = 3, kUnaryNeg = 4, kUnarySquare = 5 };
void unary(int op, const float* x, float* out, long n, float alpha);

// out = ((in[0] + in[1]) + in[2]) + … (the cpu backend's order), n floats each.
void addN(const float* const* in, long count, float* out, long n);

// One Adam step over n parameters, as src/training/parallel/fused-adam.ts adamUpdate:
// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², out = w − a·m / (√v·s + ε), a = lr/(1−β₁ᵗ), s = 1/√(1−β₂ᵗ).
void adamUpdate(float* out, const float* w, const float* g, float* m, float* v, long n, float beta1, float beta2, float a,
                float s, float eps);

// y[c] = Σ_r x[r*cols + c]
void sumRows(const float* x, long rows, long cols, float* y);

// NHWC 2×2 stride-2 valid max pooling (outH = floor(h/2), outW = floor(w/2)).
void maxPool2x2(const float* x, long n, long h, long w, long c, float* y);
// dx[p] = dy[window] when p is the window's first maximum (row-major), else 0 (also outside every window).
void maxPoolGrad2x2(const float* x, const float* dy, long n, long h, long w, long c, float* dx);

}  // namespace siamese
