// The tile walk shared by every kernel of the family and by host-side tests: maps a linear
// tile index to (tile_m, tile_n). Header-only; compiles as CUDA (host+device) or plain C++.
//
// raster_n = 1 walks along N inside bands of `swizzle` tile-rows; raster_n = 0 walks along M
// inside bands of `swizzle` tile-columns. Within a band the band index moves fastest, so the
// tiles in flight at one time share a few A row blocks and B column blocks in L2.
// REQUIRES: 0 <= t < tiles_m * tiles_n, swizzle >= 1. The map is a bijection onto the grid.
#pragma once

#if defined(__CUDACC__)
#define KEVOLVE_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define KEVOLVE_HOST_DEVICE inline
#endif

namespace kevolve::gemm {

struct TileCoord {
  int m;
  int n;
};

KEVOLVE_HOST_DEVICE TileCoord MapTile(int t, int tiles_m, int tiles_n, int raster_n,
                                      int swizzle) {
  const int along_tiles = raster_n ? tiles_n : tiles_m;
  const int band_tiles = raster_n ? tiles_m : tiles_n;
  const int band_span = swizzle * along_tiles;
  const int band = t / band_span;
  const int first = band * swizzle;
  const int rest = band_tiles - first;
  const int gsize = rest < swizzle ? rest : swizzle;
  const int local = t - band * band_span;
  const int band_idx = first + local % gsize;
  const int along_idx = local / gsize;
  return raster_n ? TileCoord{band_idx, along_idx} : TileCoord{along_idx, band_idx};
}

}  // namespace kevolve::gemm
