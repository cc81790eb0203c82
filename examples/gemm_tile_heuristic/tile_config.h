// TileConfig: one member of the bf16 GEMM kernel family of kernels/gemm, as the evolved selector
// returns it. Mirrors kevolve::gemm::GemmConfig (kernels/gemm/gemm_config.h) without depending on
// it, so a candidate compiles in a fraction of a second. Canonical() prints the exact text of the
// performance table's `config` column.
#pragma once

#include <cstdint>
#include <cstdio>

enum class Algo { kWgmmaTma, kMmaCpAsync, kMmaLdg };
enum class Raster { kAlongM, kAlongN };
enum class Epilogue { kDirect, kTmaStore };

struct TileConfig {
  Algo algo = Algo::kWgmmaTma;
  int block_m = 128;
  int block_n = 128;
  int block_k = 64;
  int warps_m = 2;   // mma: warps along M; wgmma: consumer warpgroups along M
  int warps_n = 1;
  int stages = 6;    // shared-memory pipeline depth
  int cluster_m = 1; // 2 = a 2-CTA cluster multicasting the B tile (wgmma only)
  int split_k = 1;   // K slices reduced through an fp32 workspace
  Raster raster = Raster::kAlongM;
  int swizzle = 8;   // tiles per raster group (L2 reuse)
  Epilogue epilogue = Epilogue::kDirect;
};

// Writes the canonical `key=value;...` form into buf (at least 256 bytes).
inline void Canonical(const TileConfig& c, char* buf, size_t size) {
  const char* algo = c.algo == Algo::kWgmmaTma     ? "wgmma_tma"
                     : c.algo == Algo::kMmaCpAsync ? "mma_cp_async"
                                                   : "mma_ldg";
  std::snprintf(buf, size,
                "algo=%s;bm=%d;bn=%d;bk=%d;wm=%d;wn=%d;stages=%d;cluster=%d;split_k=%d;"
                "raster=%s;swizzle=%d;epilogue=%s",
                algo, c.block_m, c.block_n, c.block_k, c.warps_m, c.warps_n, c.stages,
                c.cluster_m, c.split_k, c.raster == Raster::kAlongM ? "m" : "n", c.swizzle,
                c.epilogue == Epilogue::kDirect ? "direct" : "tma_store");
}

// The kernels compiled into the family (the menu of the committed H100 table). A selector may
// vary split_k, raster, swizzle and epilogue per kernel; the table says which combinations were
// measured and which a shape cannot run.
inline TileConfig Wgmma(int bm, int bn, int stages, int split_k = 1) {
  TileConfig c;
  c.algo = Algo::kWgmmaTma;
  c.block_m = bm;
  c.block_n = bn;
  c.block_k = 64;
  c.warps_m = bm >= 128 ? 2 : 1;
  c.warps_n = 1;
  c.stages = stages;
  c.split_k = split_k;
  return c;
}

inline TileConfig Mma(Algo algo, int bm, int bn, int bk, int wm, int wn, int stages,
                      int split_k = 1) {
  TileConfig c;
  c.algo = algo;
  c.block_m = bm;
  c.block_n = bn;
  c.block_k = bk;
  c.warps_m = wm;
  c.warps_n = wn;
  c.stages = stages;
  c.split_k = split_k;
  return c;
}
