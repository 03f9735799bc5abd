// 2-D convolutions (NHWC input, HWIO filter, as tfjs) on the packed GEMM.
#pragma once
#include "gemm.h"

namespace siamese {

struct ConvShape {
  long batch, inH, inW, inC;
  long kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft;
  long outH, outW, outC;
};

// y[b,oy,ox,co] = Σ x[b, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, ci] · w[ky,kx,ci,co], then the epilogue.
void conv2d(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& epi);
// dx (batch×inH×inW×inC) from dy (batch×outH×outW×outC) and w.
void conv2dBackpropInput(const ConvShape& s, const float* dy, const float* w, float* dx);
// dw (kh×kw×inC×outC) from x and dy.
void conv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw);

// Direct form for filters with few taps (direct-conv.cc), chosen by conv2d / conv2dBackpropFilter.
constexpr long kDirectConvMaxTaps = 32;
bool directConvFits(const ConvShape& s);
void directConv2d(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& epi);
void directConv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw);

// Winograd F(4×4, 3×3) for 3×3 / stride 1 / ≥ 16 channels (winograd.cc), chosen by conv2d.
bool winogradFits(const ConvShape& s);
void winogradConv2d(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& epi);
void winogradConv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw);

}  // namespace siamese
