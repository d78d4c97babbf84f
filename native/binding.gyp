# The optional native kernel provider (see build.mjs, which runs node-gyp on this at install).
# BLAS: OpenBLAS (Debian: libopenblas-dev); build.mjs finds its headers and library.
# rpath $ORIGIN (as DT_RPATH, which also serves the libraries those load): a libopenblas placed
# beside the addon is used before the system's; the bundle (npm run bundle) carries its own
# there, with libgfortran and libquadmath. Next to a repository build there is none, so the
# system's is used as before.
{
  "targets": [
    {
      "target_name": "landscape_native",
      "sources": [
        "src/addon.cc",
        "src/pool.cc",
        "src/scratch.cc",
        "src/conv.cc",
        "src/matmul.cc",
        "src/elementwise.cc",
        "src/bn.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node build.mjs --print include_dirs)"
      ],
      "libraries": ["<!@(node build.mjs --print libraries)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-trapping-math", "-fno-math-errno", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread", "-Wl,--disable-new-dtags", "-Wl,-rpath,'$$ORIGIN'"]
    }
  ]
}
