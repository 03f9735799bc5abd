// N-API surface of the native kernels. Every function reads its operands from
// Float32Arrays and writes into a Float32Array the caller allocated (the cpu
// backend's own tensor storage), synchronously: tfjs kernels are synchronous.
// Context-aware (NAPI_MODULE_INIT), so Node worker threads load it too.
#include <node_api.h>

#include <cstring>
#include <string>
#include <vector>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "thread-pool.h"

using namespace siamese;

namespace {

#define CHECK_NAPI(call)                                              \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "SIAMESE_NATIVE", "N-API call failed: " #call); \
      return nullptr;                                                 \
    }                                                                 \
  } while (0)

struct Floats {
  float* data = nullptr;
  size_t length = 0;
};

// A Float32Array argument; null/undefined gives an empty Floats when `optional`.
bool getFloats(napi_env env, napi_value v, const char* what, bool optional, Floats* out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (optional && (t == napi_null || t == napi_undefined)) return true;
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (!isTyped) {
    napi_throw_type_error(env, "SIAMESE_NATIVE", (std::string(what) + " must be a Float32Array").c_str());
    return false;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset);
  if (type != napi_float32_array) {
    napi_throw_type_error(env, "SIAMESE_NATIVE", (std::string(what) + " must be a Float32Array").c_str());
    return false;
  }
  out->data = static_cast<float*>(data);
  out->length = length;
  return true;
}

bool getInts(napi_env env, napi_value v, size_t count, long* out) {
  bool isArray = false;
  napi_is_array(env, v, &isArray);
  uint32_t n = 0;
  if (isArray) napi_get_array_length(env, v, &n);
  if (!isArray || n != count) {
    napi_throw_type_error(env, "SIAMESE_NATIVE", ("expected an array of " + std::to_string(count) + " integers").c_str());
    return false;
  }
  for (uint32_t i = 0; i < n; ++i) {
    napi_value e;
    napi_get_element(env, v, i, &e);
    double d;
    if (napi_get_value_double(env, e, &d) != napi_ok || d < 0 || d != static_cast<double>(static_cast<long>(d))) {
      // Paddings may be negative in derived convolutions, but never at this boundary.
      napi_throw_type_error(env, "SIAMESE_NATIVE", "shape entries must be non-negative integers");
      return false;
    }
    out[i] = static_cast<long>(d);
  }
  return true;
}

bool need(napi_env env, const Floats& f, double count, const char* what) {
  if (static_cast<double>(f.length) < count) {
    napi_throw_range_error(env, "SIAMESE_NATIVE", (std::string(what) + " is shorter than its shape").c_str());
    return false;
  }
  return true;
}

bool getEpilogue(napi_env env, napi_value biasV, napi_value actV, napi_value alphaV, Epilogue* epi, double n) {
  Floats bias;
  if (!getFloats(env, biasV, "bias", true, &bias)) return false;
  if (bias.data && !need(env, bias, n, "bias")) return false;
  epi->bias = bias.data;
  int32_t act = 0;
  napi_get_value_int32(env, actV, &act);
  if (act < kLinear || act > kElu) {
    napi_throw_range_error(env, "SIAMESE_NATIVE", "unknown activation code");
    return false;
  }
  epi->activation = static_cast<Activation>(act);
  double alpha = 0.2;
  napi_get_value_double(env, alphaV, &alpha);
  epi->leakyAlpha = static_cast<float>(alpha);
  return true;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// matmul(a, b, c, [batch, M, N, K, transA, transB, batchA, batchB], bias|null, activation, leakyAlpha)
// c[i] = op(a[i % batchA]) · op(b[i % batchB]) (+ bias, activation), all row-major.
napi_value MatMul(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats a, b, c;
  long d[8];
  if (!getFloats(env, argv[0], "a", false, &a) || !getFloats(env, argv[1], "b", false, &b) ||
      !getFloats(env, argv[2], "c", false, &c) || !getInts(env, argv[3], 8, d))
    return nullptr;
  const long batch = d[0], M = d[1], N = d[2], K = d[3], batchA = d[6] ? d[6] : 1, batchB = d[7] ? d[7] : 1;
  const bool transA = d[4] != 0, transB = d[5] != 0;
  Epilogue epi;
  if (!getEpilogue(env, argv[4], argv[5], argv[6], &epi, static_cast<double>(N))) return nullptr;
  if (!need(env, a, double(batchA) * M * K, "a") || !need(env, b, double(batchB) * K * N, "b") ||
      !need(env, c, double(batch) * M * N, "c"))
    return nullptr;
  for (long i = 0; i < batch; ++i) {
    const float* ap = a.data + (i % batchA) * M * K;
    const float* bp = b.data + (i % batchB) * K * N;
    DenseOperand A = transA ? DenseOperand(ap, M, K, 1, M) : DenseOperand(ap, M, K, K, 1);
    DenseOperand B = transB ? DenseOperand(bp, K, N, 1, K) : DenseOperand(bp, K, N, N, 1);
    gemm(M, N, K, A, B, c.data + i * M * N, N, false, epi);
  }
  return undefinedValue(env);
}

bool getConvShape(napi_env env, napi_value v, ConvShape* s) {
  long d[15];
  if (!getInts(env, v, 15, d)) return false;
  *s = ConvShape{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  if (s->strideH < 1 || s->strideW < 1 || s->dilH < 1 || s->dilW < 1) {
    napi_throw_range_error(env, "SIAMESE_NATIVE", "strides and dilations must be >= 1");
    return false;
  }
  return true;
}

double inSize(const ConvShape& s) { return double(s.batch) * s.inH * s.inW * s.inC; }
double outSize(const ConvShape& s) { return double(s.batch) * s.outH * s.outW * s.outC; }
double filterSize(const ConvShape& s) { return double(s.kh) * s.kw * s.inC * s.outC; }

// conv2d(x, w, y, shape[15], bias|null, activation, leakyAlpha); shape = [batch, inH, inW, inC,
// kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, outH, outW, outC].
napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats x, w, y;
  ConvShape s;
  Epilogue epi;
  if (!getFloats(env, argv[0], "x", false, &x) || !getFloats(env, argv[1], "filter", false, &w) ||
      !getFloats(env, argv[2], "y", false, &y) || !getConvShape(env, argv[3], &s) ||
      !getEpilogue(env, argv[4], argv[5], argv[6], &epi, double(s.outC)))
    return nullptr;
  if (!need(env, x, inSize(s), "x") || !need(env, w, filterSize(s), "filter") || !need(env, y, outSize(s), "y"))
    return nullptr;
  conv2d(s, x.data, w.data, y.data, epi);
  return undefinedValue(env);
}

// conv2dBackpropInput(dy, w, dx, shape[15])
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats dy, w, dx;
  ConvShape s;
  if (!getFloats(env, argv[0], "dy", false, &dy) || !getFloats(env, argv[1], "filter", false, &w) ||
      !getFloats(env, argv[2], "dx", false, &dx) || !getConvShape(env, argv[3], &s))
    return nullptr;
  if (!need(env, dy, outSize(s), "dy") || !need(env, w, filterSize(s), "filter") || !need(env, dx, inSize(s), "dx"))
    return nullptr;
  conv2dBackpropInput(s, dy.data, w.data, dx.data);
  return undefinedValue(env);
}

// conv2dBackpropFilter(x, dy, dw, shape[15])
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats x, dy, dw;
  ConvShape s;
  if (!getFloats(env, argv[0], "x", false, &x) || !getFloats(env, argv[1], "dy", false, &dy) ||
      !getFloats(env, argv[2], "dw", false, &dw) || !getConvShape(env, argv[3], &s))
    return nullptr;
  if (!need(env, x, inSize(s), "x") || !need(env, dy, outSize(s), "dy") || !need(env, dw, filterSize(s), "dw"))
    return nullptr;
  conv2dBackpropFilter(s, x.data, dy.data, dw.data);
  return undefinedValue(env);
}

// binary(op, a, b, out): out[i] = a[i % a.length] op b[i % b.length]; both lengths divide out.length.
napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t op = 0;
  napi_get_value_int32(env, argv[0], &op);
  Floats a, b, out;
  if (!getFloats(env, argv[1], "a", false, &a) || !getFloats(env, argv[2], "b", false, &b) ||
      !getFloats(env, argv[3], "out", false, &out))
    return nullptr;
  if (op < kAdd || op > kMinimum) {
    napi_throw_range_error(env, "SIAMESE_NATIVE", "unknown binary op");
    return nullptr;
  }
  const long n = static_cast<long>(out.length), an = static_cast<long>(a.length), bn = static_cast<long>(b.length);
  if (an == 0 || bn == 0 || n % an != 0 || n % bn != 0 || (an != n && bn != n)) {
    napi_throw_range_error(env, "SIAMESE_NATIVE", "binary: operand lengths must divide the output length");
    return nullptr;
  }
  binary(op, a.data, an, b.data, bn, out.data, n);
  return undefinedValue(env);
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t op = 0;
  napi_get_value_int32(env, argv[0], &op);
  Floats x, out;
  if (!getFloats(env, argv[1], "x", false, &x) || !getFloats(env, argv[2], "out", false, &out)) return nullptr;
  double alpha = 0;
  napi_get_value_double(env, argv[3], &alpha);
  if (op < kUnaryRelu || op > kUnarySquare || out.length < x.length) {
    napi_throw_range_error(env, "SIAMESE_NATIVE", "unary: unknown op or short output");
    return nullptr;
  }
  unary(op, x.data, out.data, static_cast<long>(x.length), static_cast<float>(alpha));
  return undefinedValue(env);
}

// addN([x0, x1, ...], out): out = x0 + x1 + ... (all of out's length)
napi_value AddN(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats out;
  if (!getFloats(env, argv[1], "out", false, &out)) return nullptr;
  bool isArray = false;
  napi_is_array(env, argv[0], &isArray);
  uint32_t count = 0;
  if (isArray) napi_get_array_length(env, argv[0], &count);
  if (!isArray || count == 0) {
    napi_throw_type_error(env, "SIAMESE_NATIVE", "addN: expected a non-empty array of Float32Arrays");
    return nullptr;
  }
  std::vector<const float*> ptrs(count);
  for (uint32_t i = 0; i < count; ++i) {
    napi_value e;
    napi_get_element(env, argv[0], i, &e);
    Floats f;
    if (!getFloats(env, e, "addN input", false, &f) || !need(env, f, double(out.length), "addN input")) return nullptr;
    ptrs[i] = f.data;
  }
  addN(ptrs.data(), count, out.data, static_cast<long>(out.length));
  return undefinedValue(env);
}

// adamUpdate(out, w, g, m, v, [beta1, beta2, a, s, eps]): one Adam step (elementwise.h), m and v in place.
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats out, w, g, m, v;
  if (!getFloats(env, argv[0], "out", false, &out) || !getFloats(env, argv[1], "w", false, &w) ||
      !getFloats(env, argv[2], "g", false, &g) || !getFloats(env, argv[3], "m", false, &m) ||
      !getFloats(env, argv[4], "v", false, &v))
    return nullptr;
  const double n = double(out.length);
  if (!need(env, w, n, "w") || !need(env, g, n, "g") || !need(env, m, n, "m") || !need(env, v, n, "v")) return nullptr;
  double h[5];
  bool isArray = false;
  napi_is_array(env, argv[5], &isArray);
  uint32_t len = 0;
  if (isArray) napi_get_array_length(env, argv[5], &len);
  if (!isArray || len != 5) {
    napi_throw_type_error(env, "SIAMESE_NATIVE", "adamUpdate: expected [beta1, beta2, a, s, eps]");
    return nullptr;
  }
  for (uint32_t i = 0; i < 5; ++i) {
    napi_value e;
    napi_get_element(env, argv[5], i, &e);
    napi_get_value_double(env, e, &h[i]);
  }
  adamUpdate(out.data, w.data, g.data, m.data, v.data, static_cast<long>(out.length), float(h[0]), float(h[1]), float(h[2]),
             float(h[3]), float(h[4]));
  return undefinedValue(env);
}

// sumRows(x, y, [rows, cols]): y[c] = Σ_r x[r*cols + c]
napi_value SumRows(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats x, y;
  long d[2];
  if (!getFloats(env, argv[0], "x", false, &x) || !getFloats(env, argv[1], "y", false, &y) || !getInts(env, argv[2], 2, d))
    return nullptr;
  if (!need(env, x, double(d[0]) * d[1], "x") || !need(env, y, double(d[1]), "y")) return nullptr;
  sumRows(x.data, d[0], d[1], y.data);
  return undefinedValue(env);
}

// maxPool2x2(x, y, [n, h, w, c]) and maxPoolGrad2x2(x, dy, dx, [n, h, w, c]): NHWC, 2×2 windows, stride 2, valid.
napi_value MaxPool2x2(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats x, y;
  long d[4];
  if (!getFloats(env, argv[0], "x", false, &x) || !getFloats(env, argv[1], "y", false, &y) || !getInts(env, argv[2], 4, d))
    return nullptr;
  if (!need(env, x, double(d[0]) * d[1] * d[2] * d[3], "x") || !need(env, y, double(d[0]) * (d[1] / 2) * (d[2] / 2) * d[3], "y"))
    return nullptr;
  maxPool2x2(x.data, d[0], d[1], d[2], d[3], y.data);
  return undefinedValue(env);
}

napi_value MaxPoolGrad2x2(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Floats x, dy, dx;
  long d[4];
  if (!getFloats(env, argv[0], "x", false, &x) || !getFloats(env, argv[1], "dy", false, &dy) ||
      !getFloats(env, argv[2], "dx", false, &dx) || !getInts(env, argv[3], 4, d))
    return nullptr;
  const double in = double(d[0]) * d[1] * d[2] * d[3];
  if (!need(env, x, in, "x") || !need(env, dx, in, "dx") || !need(env, dy, double(d[0]) * (d[1] / 2) * (d[2] / 2) * d[3], "dy"))
    return nullptr;
  maxPoolGrad2x2(x.data, dy.data, d[0], d[1], d[2], d[3], dx.data);
  return undefinedValue(env);
}

void setNamed(napi_env env, napi_value obj, const char* key, napi_value v) { napi_set_named_property(env, obj, key, v); }

napi_value Info(napi_env env, napi_callback_info) {
  const KernelSpec& k = activeKernel();
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, k.name, NAPI_AUTO_LENGTH, &v);
  setNamed(env, obj, "path", v);
  napi_create_int32(env, k.mr, &v);
  setNamed(env, obj, "mr", v);
  napi_create_int32(env, k.nr, &v);
  setNamed(env, obj, "nr", v);
  napi_create_int32(env, poolThreads(), &v);
  setNamed(env, obj, "threads", v);
  napi_value supported;
  napi_create_array(env, &supported);
  uint32_t i = 0;
  for (const char* name : {"avx512", "avx2", "portable"}) {
    if (!cpuSupports(name)) continue;
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, supported, i++, v);
  }
  setNamed(env, obj, "supported", supported);
  return obj;
}

// setPath('avx512' | 'avx2' | 'portable') → boolean (false: this CPU cannot run it).
napi_value SetPath(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  char name[32] = {0};
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &len);
  napi_value r;
  napi_get_boolean(env, selectKernel(name), &r);
  return r;
}

// setThreads(n): threads one GEMM may use (1 = the calling thread only).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t n = 1;
  napi_get_value_int32(env, argv[0], &n);
  setPoolThreads(n);
  return undefinedValue(env);
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addN", nullptr, AddN, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2x2", nullptr, MaxPool2x2, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad2x2", nullptr, MaxPoolGrad2x2, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setPath", nullptr, SetPath, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
