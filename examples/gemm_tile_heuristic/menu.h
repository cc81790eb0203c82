// The menu of the GEMM family as measured in the committed H100 table: the kernels a selector
// may pick, and a Pick() helper that turns a policy's request (kernel, split-K, raster, epilogue,
// cluster) into a config the family runs for the shape, falling back step by step to a measured
// neighbour. kMeasured is the table's config column, regenerated with
//   cut -d, -f5 data/gemm/perf_h100.csv | sort -u | grep algo=
// and the kernel list is hand-written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tile_config.h"

// Kernel ids a policy chooses among.
enum Kernel {
  kWgmma64x64 = 0,   // wgmma + TMA, 64x64x64, 8 stages (split-K 1..128)
  kWgmma64x128 = 1,  // 64x128x64, 8 stages (split-K 1..16)
  kWgmma64x256 = 2,  // 64x256x64, 5 stages (split-K 1..8)
  kWgmma128x64 = 3,  // 128x64x64, 8 stages (split-K 1..8)
  kWgmma128x128 = 4, // 128x128x64, 6 stages
  kWgmma128x192 = 5, // 128x192x64, 5 stages
  kWgmma128x256 = 6, // 128x256x64, 4 stages (the large-tile workhorse)
  kWgmma256x128 = 7, // 256x128x64, 4 stages (3 with the TMA-store epilogue)
  kMma16x64 = 8,     // mma.sync + cp.async, 16x64x64 (decode; split-K 1..64)
  kMma32x128 = 9,    // 32x128x64
  kMma64x64 = 10,    // 64x64x64
  kMma128x128 = 11,  // 128x128x32
  kMma128x256 = 12,  // 128x256x32
  kLdg16x64 = 13,    // any shape, any alignment: 16x64x64
  kLdg64x64 = 14,    // any shape, any alignment: 64x64x32
  kKernelCount = 15,
};

inline TileConfig KernelConfig(int kernel) {
  switch (kernel) {
    case kWgmma64x64: return Wgmma(64, 64, 8);
    case kWgmma64x128: return Wgmma(64, 128, 8);
    case kWgmma64x256: return Wgmma(64, 256, 5);
    case kWgmma128x64: return Wgmma(128, 64, 8);
    case kWgmma128x128: return Wgmma(128, 128, 6);
    case kWgmma128x192: return Wgmma(128, 192, 5);
    case kWgmma128x256: return Wgmma(128, 256, 4);
    case kWgmma256x128: return Wgmma(256, 128, 4);
    case kMma16x64: return Mma(Algo::kMmaCpAsync, 16, 64, 64, 1, 4, 4);
    case kMma32x128: return Mma(Algo::kMmaCpAsync, 32, 128, 64, 1, 4, 4);
    case kMma64x64: return Mma(Algo::kMmaCpAsync, 64, 64, 64, 2, 2, 4);
    case kMma128x128: return Mma(Algo::kMmaCpAsync, 128, 128, 32, 2, 2, 4);
    case kMma128x256: return Mma(Algo::kMmaCpAsync, 128, 256, 32, 2, 4, 3);
    case kLdg16x64: return Mma(Algo::kMmaLdg, 16, 64, 64, 1, 4, 2);
    default: return Mma(Algo::kMmaLdg, 64, 64, 32, 2, 2, 2);
  }
}

// Every config the table measured.
inline const char* const kMeasured[] = {
    "algo=mma_cp_async;bm=128;bn=128;bk=32;wm=2;wn=2;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=128;bn=128;bk=32;wm=2;wn=2;stages=4;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=128;bn=128;bk=32;wm=2;wn=2;stages=4;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=128;bn=256;bk=32;wm=2;wn=4;stages=3;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=16;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=32;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=64;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=16;bn=64;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=32;bn=128;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=16;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=32;bn=128;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=32;bn=128;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=32;bn=128;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=32;bn=128;bk=64;wm=1;wn=4;stages=4;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=64;bn=64;bk=64;wm=2;wn=2;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=64;bn=64;bk=64;wm=2;wn=2;stages=4;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=64;bn=64;bk=64;wm=2;wn=2;stages=4;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_cp_async;bm=64;bn=64;bk=64;wm=2;wn=2;stages=4;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_ldg;bm=16;bn=64;bk=64;wm=1;wn=4;stages=2;cluster=1;split_k=16;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_ldg;bm=16;bn=64;bk=64;wm=1;wn=4;stages=2;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_ldg;bm=16;bn=64;bk=64;wm=1;wn=4;stages=2;cluster=1;split_k=32;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_ldg;bm=16;bn=64;bk=64;wm=1;wn=4;stages=2;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_ldg;bm=64;bn=64;bk=32;wm=2;wn=2;stages=2;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=mma_ldg;bm=64;bn=64;bk=32;wm=2;wn=2;stages=2;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=1;raster=m;swizzle=1;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=128;bk=64;wm=2;wn=1;stages=6;cluster=2;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=192;bk=64;wm=2;wn=1;stages=5;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=192;bk=64;wm=2;wn=1;stages=5;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=192;bk=64;wm=2;wn=1;stages=5;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=192;bk=64;wm=2;wn=1;stages=5;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=192;bk=64;wm=2;wn=1;stages=5;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=16;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=16;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=1;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=4;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=n;swizzle=16;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=n;swizzle=16;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=n;swizzle=1;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=2;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=2;split_k=1;raster=m;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=2;split_k=1;raster=n;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=2;split_k=1;raster=n;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=128;bn=64;bk=64;wm=2;wn=1;stages=8;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=64;bk=64;wm=2;wn=1;stages=8;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=64;bk=64;wm=2;wn=1;stages=8;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=128;bn=64;bk=64;wm=2;wn=1;stages=8;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=3;cluster=1;split_k=1;raster=m;swizzle=16;epilogue=tma_store",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=3;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=3;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=tma_store",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=1;epilogue=direct",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=n;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=256;bn=128;bk=64;wm=2;wn=1;stages=4;cluster=2;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=128;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=16;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=128;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=128;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=128;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=128;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=256;bk=64;wm=1;wn=1;stages=5;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=256;bk=64;wm=1;wn=1;stages=5;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=256;bk=64;wm=1;wn=1;stages=5;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=256;bk=64;wm=1;wn=1;stages=5;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=128;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=16;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=1;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=2;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=32;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=4;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=64;raster=m;swizzle=8;epilogue=direct",
    "algo=wgmma_tma;bm=64;bn=64;bk=64;wm=1;wn=1;stages=8;cluster=1;split_k=8;raster=m;swizzle=8;epilogue=direct",
};

// kMeasured parsed once into configs, so that Measured() compares fields (a cost model may ask
// about thousands of candidates per run).
struct MeasuredTable {
  TileConfig configs[sizeof(kMeasured) / sizeof(kMeasured[0])];
  int count = 0;
  MeasuredTable() {
    for (const char* text : kMeasured) {
      char algo[32] = "", raster = 'm', epilogue[16] = "";
      TileConfig c;
      const int fields = std::sscanf(
          text,
          "algo=%31[^;];bm=%d;bn=%d;bk=%d;wm=%d;wn=%d;stages=%d;cluster=%d;"
          "split_k=%d;raster=%c;swizzle=%d;epilogue=%15s",
          algo, &c.block_m, &c.block_n, &c.block_k, &c.warps_m, &c.warps_n, &c.stages,
          &c.cluster_m, &c.split_k, &raster, &c.swizzle, epilogue);
      c.algo = std::strcmp(algo, "wgmma_tma") == 0      ? Algo::kWgmmaTma
               : std::strcmp(algo, "mma_cp_async") == 0 ? Algo::kMmaCpAsync
                                                        : Algo::kMmaLdg;
      c.raster = raster == 'n' ? Raster::kAlongN : Raster::kAlongM;
      c.epilogue = std::strcmp(epilogue, "tma_store") == 0 ? Epilogue::kTmaStore : Epilogue::kDirect;
      // A line that does not read back to itself would silently shrink the menu: refuse it.
      char back[256];
      Canonical(c, back, sizeof(back));
      if (fields != 12 || std::strcmp(back, text) != 0) {
        std::fprintf(stderr, "menu.h: kMeasured has a config that is not in canonical form: '%s'"
                     " (regenerate the list as the comment above it says)\n", text);
        std::abort();
      }
      configs[count++] = c;
    }
  }
};

inline bool SameConfig(const TileConfig& a, const TileConfig& b) {
  return a.algo == b.algo && a.block_m == b.block_m && a.block_n == b.block_n &&
         a.block_k == b.block_k && a.warps_m == b.warps_m && a.warps_n == b.warps_n &&
         a.stages == b.stages && a.cluster_m == b.cluster_m && a.split_k == b.split_k &&
         a.raster == b.raster && a.swizzle == b.swizzle && a.epilogue == b.epilogue;
}

inline bool Measured(const TileConfig& c) {
  static const MeasuredTable table;
  for (int i = 0; i < table.count; ++i) {
    if (SameConfig(table.configs[i], c)) return true;
  }
  return false;
}

struct Request {
  int kernel = kWgmma128x128;
  int split_k = 1;         // wanted; lowered to what the kernel and K allow
  bool raster_n = false;   // walk tiles along N first
  bool tma_store = false;  // TMA-store epilogue (wgmma, split_k 1, N % 8 == 0)
  bool cluster = false;    // 2-CTA cluster multicasting B (wgmma)
  int swizzle = 8;         // raster group size
};

// The measured config closest to `r` that the family can run on (m, n, k): the any-shape
// kernel when rows are not 16-byte aligned; split-K at most the K tiles and within the
// harness's 4 GiB workspace; then the variant dropped piece by piece (cluster, swizzle,
// epilogue, raster) and split-K halved until the config is one the table measured.
inline TileConfig Pick(const Request& r, int64_t m, int64_t n, int64_t k) {
  int kernel = r.kernel < 0 || r.kernel >= kKernelCount ? kWgmma128x128 : r.kernel;
  TileConfig base = KernelConfig(kernel);
  if (k % 8 != 0 && base.algo != Algo::kMmaLdg) base = KernelConfig(kLdg64x64);
  if (base.algo == Algo::kWgmmaTma && n % 8 != 0 && r.tma_store) base.epilogue = Epilogue::kDirect;
  const int64_t k_tiles = (k + base.block_k - 1) / base.block_k;
  int split = r.split_k < 1 ? 1 : r.split_k;
  while (split > 1 && (split > k_tiles ||
                       static_cast<double>(split) * static_cast<double>(m) * static_cast<double>(n) * 4.0 >
                           4.0 * 1024 * 1024 * 1024)) {
    split /= 2;
  }
  for (; split >= 1; split /= 2) {
    for (int drop = 0; drop <= 4; ++drop) {
      TileConfig c = base;
      c.split_k = split;
      if (drop < 4 && r.raster_n) c.raster = Raster::kAlongN;
      if (drop < 3 && r.tma_store && split == 1 && n % 8 == 0) c.epilogue = Epilogue::kTmaStore;
      if (drop < 2) c.swizzle = r.swizzle;
      if (drop < 1 && r.cluster) c.cluster_m = 2;
      if (c.algo == Algo::kWgmmaTma && c.epilogue == Epilogue::kTmaStore && c.block_m == 256) c.stages = 3;
      if (Measured(c)) return c;
    }
  }
  return base;
}
