#include "score/table_summary.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "score/text_format.h"

namespace kevolve::gemm::score {
namespace {

constexpr double kPeakTflops = 989.4;  // H100 SXM dense bf16
constexpr double kSingleCoverage = 0.95;

using Key = std::tuple<int64_t, int64_t, int64_t>;

// One shape's ok times by config, in the order the table first names each config.
struct ShapeTimes {
  std::vector<std::pair<std::string, double>> configs;
  const double* Find(const std::string& config) const {
    for (const auto& [c, t] : configs) {
      if (c == config) return &t;
    }
    return nullptr;
  }
  void Set(const std::string& config, double t) {
    for (auto& [c, old] : configs) {
      if (c == config) {
        old = t;
        return;
      }
    }
    configs.emplace_back(config, t);
  }
};

struct Best {
  int64_t m, n, k;
  std::string origin, group;
  double cublas_us, best_us;
  std::string config;
};

double Geomean(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += std::log(x);
  return xs.empty() ? NAN : std::exp(sum / static_cast<double>(xs.size()));
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::string ShortConfig(std::string c) {
  for (const char* drop : {"algo=", ";bk=64", ";wn=1", ";cluster=1", ";epilogue=direct", "epilogue="}) {
    ReplaceAll(c, drop, "");
  }
  return c;
}

std::string Rate(const Best& b, double copy_tbps) {
  const auto m = static_cast<double>(b.m), n = static_cast<double>(b.n), k = static_cast<double>(b.k);
  if (b.group == "decode" || b.m <= 128) {
    const double tbps = 2 * (m * k + n * k + m * n) / (b.best_us * 1e-6) / 1e12;
    return Format("%.2f TB/s (%.0f%% of copy)", tbps, tbps / copy_tbps * 100);
  }
  const double tf = 2 * m * n * k / (b.best_us * 1e-6) / 1e12;
  const double cublas_tf = 2 * m * n * k / (b.cublas_us * 1e-6) / 1e12;
  return Format("%.0f TF/s (%.0f%% peak; cuBLAS %.0f)", tf, tf / kPeakTflops * 100, cublas_tf);
}

}  // namespace

std::string SummarizeTable(const std::vector<bench::PerfRow>& table,
                           const std::vector<ShapeSuite>& suites, double copy_tbps,
                           bool markdown) {
  std::map<Key, ShapeTimes> times;
  for (const bench::PerfRow& r : table) {
    if (r.status == "ok") times[{r.m, r.n, r.k}].Set(r.config, r.median_us);
  }
  std::vector<Best> best;
  std::set<std::string> configs;
  std::map<std::string, std::vector<double>> ratios;  // group -> cuBLAS time / best time
  for (const ShapeSuite& suite : suites) {
    for (const bench::ShapeEntry& e : suite.shapes) {
      const auto it = times.find({e.shape.m, e.shape.n, e.shape.k});
      if (it == times.end() || it->second.Find("cublas") == nullptr) continue;
      const double cublas = *it->second.Find("cublas");
      const std::pair<std::string, double>* fastest = nullptr;
      for (const auto& entry : it->second.configs) {
        if (entry.first == "cublas") continue;
        configs.insert(entry.first);
        if (fastest == nullptr || entry.second < fastest->second) fastest = &entry;
      }
      if (fastest == nullptr) continue;
      const std::string group =
          suite.name != "llm" ? "edge" : (e.shape.m <= 128 ? "decode" : "prefill");
      ratios[group].push_back(cublas / fastest->second);
      ratios["all"].push_back(cublas / fastest->second);
      best.push_back({e.shape.m, e.shape.n, e.shape.k, e.origin, group, cublas, fastest->second,
                      fastest->first});
    }
  }
  std::string out = "shapes with data: " + std::to_string(best.size()) +
                    "; configs measured: " + std::to_string(configs.size()) + "\n";
  for (const char* group : {"all", "decode", "prefill", "edge"}) {
    const std::vector<double>& r = ratios[group];
    if (r.empty()) continue;
    double lo = r[0], hi = r[0];
    int at_least_one = 0;
    for (double x : r) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      at_least_one += x >= 1 ? 1 : 0;
    }
    out += Format(
        "per-shape best vs cuBLAS, %-8s: geomean %.3f over %zu shapes (min %.2f, max %.2f, >=1: "
        "%d)\n",
        group, Geomean(r), r.size(), lo, hi, at_least_one);
  }
  // The best single config over the shapes it runs (at least 95% of them), against cuBLAS.
  std::string single;
  double single_gm = 0;
  std::vector<const Best*> single_shapes;
  for (const std::string& c : configs) {
    std::vector<const Best*> have;
    std::vector<double> vs_cublas;
    for (const Best& b : best) {
      const double* t = times[{b.m, b.n, b.k}].Find(c);
      if (t == nullptr) continue;
      have.push_back(&b);
      vs_cublas.push_back(b.cublas_us / *t);
    }
    if (static_cast<double>(have.size()) < static_cast<double>(best.size()) * kSingleCoverage) {
      continue;
    }
    const double gm = Geomean(vs_cublas);
    if (single.empty() || gm > single_gm) {
      single = c;
      single_gm = gm;
      single_shapes = have;
    }
  }
  if (!single.empty()) {
    std::vector<double> oracle;
    for (const Best* b : single_shapes) oracle.push_back(b->cublas_us / b->best_us);
    const double oracle_gm = Geomean(oracle);
    out += "best single config (" + std::to_string(single_shapes.size()) + "/" +
           std::to_string(best.size()) + " shapes): " + single + "\n";
    out += Format("  geomean vs cuBLAS %.3f; oracle on the same shapes %.3f; oracle / single = "
                  "%.3f\n",
                  single_gm, oracle_gm, oracle_gm / single_gm);
  }
  if (markdown) {
    out += "\n| M | N | K | origin | cuBLAS us | best us | vs cuBLAS | rate | best config |\n";
    out += "| ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |\n";
    for (const Best& b : best) {
      out += "| " + std::to_string(b.m) + " | " + std::to_string(b.n) + " | " +
             std::to_string(b.k) + " | " + b.origin + " | " +
             Format("%.1f | %.1f | %.2f", b.cublas_us, b.best_us, b.cublas_us / b.best_us) +
             " | " + Rate(b, copy_tbps) + " | `" + ShortConfig(b.config) + "` |\n";
    }
  }
  return out;
}

}  // namespace kevolve::gemm::score
