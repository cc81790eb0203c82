// Data in and out of the GEMM benchmark: shape suites, the performance table, timing
// statistics and a little JSON. Pure (strings in, strings or values out); no CUDA.
//
// Shape suite CSV: header `m,n,k,origin` with an optional 5th column `layout` (nk | kn, default
// nk); '#' starts a comment line; origin names the model and layer and holds no comma.
// Performance table CSV: header `m,n,k,dtype,config,median_us,p10_us,p90_us,status`; one row
// per (shape, config); the three times are empty unless status is `ok`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gemm/gemm_shape.h"

namespace kevolve::gemm::bench {

struct ShapeEntry {
  GemmShape shape;
  std::string origin;
};

// The fields of one CSV line (no quoting: the files here hold no quoted commas), each trimmed.
std::vector<std::string> SplitCsv(std::string_view line);

// `text` as a whole integer; InvalidArgument "line N: WHAT is not an integer" otherwise.
Result<int64_t> ParseInt(std::string_view text, std::string_view what, size_t line_no);

// Parses a shape suite; InvalidArgument naming the line for a bad header, field or value.
Result<std::vector<ShapeEntry>> ParseShapeSuite(std::string_view csv);

inline constexpr std::string_view kPerfTableHeader =
    "m,n,k,dtype,config,median_us,p10_us,p90_us,status";

struct PerfRow {
  int64_t m = 0, n = 0, k = 0;
  std::string dtype = "bf16";
  std::string config;  // canonical GemmConfig string, or "cublas"
  double median_us = 0, p10_us = 0, p90_us = 0;
  std::string status = "ok";  // "ok" or the reason the pair did not run / did not pass
};

// One CSV line (no newline). Commas and newlines in `status` become ';' and ' '.
std::string FormatPerfRow(const PerfRow& row);

// A row of a performance table as views into the table's text.
struct PerfRowView {
  int64_t m = 0, n = 0, k = 0;
  std::string_view dtype, config;
  double median_us = 0, p10_us = 0, p90_us = 0;
  std::string_view status;
};

// Calls `row` for every data line of a table written by FormatPerfRow (header first), in order,
// copying none of the text: a scorer that reads the 2 MB table once per evaluation, in a fresh
// process, pays for every page it touches. InvalidArgument on a bad line; an error `row`
// returns stops the walk and is returned.
Status ForEachPerfRow(std::string_view csv, const std::function<Status(const PerfRowView&)>& row);

// Parses a table written by FormatPerfRow (header first). InvalidArgument on a bad line.
Result<std::vector<PerfRow>> ParsePerfTable(std::string_view csv);

struct TimingStats {
  double median_us = 0, p10_us = 0, p90_us = 0, min_us = 0, max_us = 0;
  int reps = 0;
};

// Median and nearest-rank-interpolated 10th/90th percentiles. REQUIRES: !samples.empty().
TimingStats Summarize(std::vector<double> samples_us);

// `s` as a JSON string literal, quotes included.
std::string JsonString(std::string_view s);

}  // namespace kevolve::gemm::bench
