{
  # The project's native kernels (N-API, no node-addon-api dependency). Built by
  # scripts/build-native.js at `npm install` (an optional step: a failure leaves the
  # wasm backend in charge). The AVX2 and AVX-512 micro-kernels carry their ISA in
  # function target attributes, so this builds for baseline x86-64 and picks the
  # path at run time (gemm-dispatch.cc).
  "targets": [
    {
      "target_name": "siamese_native",
      "sources": [
        "src/addon.cc",
        "src/gemm.cc",
        "src/gemm-dispatch.cc",
        "src/kernel-portable.cc",
        "src/kernel-avx2.cc",
        "src/kernel-avx512.cc",
        "src/conv.cc",
        "src/direct-conv.cc",
        "src/elementwise.cc",
        "src/winograd.cc",
        "src/thread-pool.cc"
      ],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/O2", "/std:c++17"] } }
    }
  ]
}
