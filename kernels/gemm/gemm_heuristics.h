// The baseline expert heuristic: maps a GEMM problem to a config of the family's menu.
//
// It is the "before" of the tile-heuristic case study (the function evolution tries to beat):
// hand-written rules from first principles (tile count vs. SM count, memory-bound decode,
// split-K when the output has too few tiles), not fitted to any measurement. Pure: no CUDA,
// no I/O; thread-safe.
#pragma once

#include "gemm/gemm_config.h"
#include "gemm/gemm_shape.h"

namespace kevolve::gemm {

// A config for `shape` on a GPU with `num_sms` multiprocessors, drawn from the full menu (see
// scripts/gemm/generate_instances.py). Always returns a config whose CanImplement accepts the
// shape when its kernel is compiled: unaligned K (or N with B as [K,N]) gets mma_ldg, B as
// [K,N] gets an mma config, everything else a wgmma_tma config.
GemmConfig SelectGemmConfig(const GemmShape& shape, int num_sms);

}  // namespace kevolve::gemm
