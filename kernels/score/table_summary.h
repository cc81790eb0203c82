// A performance table summarized against cuBLAS (data/gemm/summary_h100.md): the per-shape best
// config (the oracle) vs cuBLAS, geomeans by group (decode M <= 128 and prefill of the `llm`
// suite, every other suite as `edge`), the best single config that runs on at least 95% of the
// shapes, and optionally one markdown row per shape with its rate (TB/s against the copy
// bandwidth for decode, TFLOP/s against cuBLAS and the 989 TFLOP/s dense peak otherwise).
// Pure: values in, text out. Shapes without a cuBLAS time are left out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_io.h"

namespace kevolve::gemm::score {

struct ShapeSuite {
  std::string name;  // "llm", "edge", ... (shapes_NAME.csv)
  std::vector<bench::ShapeEntry> shapes;
};

// `copy_tbps`: the measured copy bandwidth (the table's provenance, ceilings.copy_tbps).
std::string SummarizeTable(const std::vector<bench::PerfRow>& table,
                           const std::vector<ShapeSuite>& suites, double copy_tbps,
                           bool markdown);

}  // namespace kevolve::gemm::score
