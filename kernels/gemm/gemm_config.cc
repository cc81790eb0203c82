#include "gemm/gemm_config.h"

#include <array>
#include <charconv>
#include <map>
#include <vector>

#include "core/text.h"

namespace kevolve::gemm {
namespace {

constexpr std::array<std::string_view, 12> kKeys = {
    "algo", "bm", "bn", "bk", "wm", "wn", "stages", "cluster", "split_k", "raster", "swizzle",
    "epilogue"};

Result<int> ParsePositiveInt(std::string_view key, std::string_view value) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out <= 0) {
    return Status::InvalidArgument("config key '" + std::string(key) +
                                   "' needs a positive integer, got '" + std::string(value) + "'");
  }
  return out;
}

Result<GemmAlgo> ParseAlgo(std::string_view value) {
  for (GemmAlgo algo : {GemmAlgo::kWgmmaTma, GemmAlgo::kMmaCpAsync, GemmAlgo::kMmaLdg}) {
    if (AlgoName(algo) == value) return algo;
  }
  return Status::InvalidArgument("unknown algo '" + std::string(value) +
                                 "' (wgmma_tma, mma_cp_async or mma_ldg)");
}

Status SetField(GemmConfig& c, std::string_view key, std::string_view value) {
  if (key == "algo") {
    KEVOLVE_ASSIGN_OR_RETURN(c.algo, ParseAlgo(value));
    return Status::Ok();
  }
  if (key == "raster") {
    if (value != "m" && value != "n") {
      return Status::InvalidArgument("config key 'raster' is 'm' or 'n', got '" +
                                     std::string(value) + "'");
    }
    c.raster = value == "m" ? Raster::kAlongM : Raster::kAlongN;
    return Status::Ok();
  }
  if (key == "epilogue") {
    if (value != "direct" && value != "tma_store") {
      return Status::InvalidArgument("config key 'epilogue' is 'direct' or 'tma_store', got '" +
                                     std::string(value) + "'");
    }
    c.epilogue = value == "direct" ? Epilogue::kDirect : Epilogue::kTmaStore;
    return Status::Ok();
  }
  KEVOLVE_ASSIGN_OR_RETURN(int v, ParsePositiveInt(key, value));
  if (key == "bm") c.block_m = v;
  else if (key == "bn") c.block_n = v;
  else if (key == "bk") c.block_k = v;
  else if (key == "wm") c.warps_m = v;
  else if (key == "wn") c.warps_n = v;
  else if (key == "stages") c.stages = v;
  else if (key == "cluster") c.cluster_m = v;
  else if (key == "split_k") c.split_k = v;
  else if (key == "swizzle") c.swizzle = v;
  return Status::Ok();
}

}  // namespace

std::string_view AlgoName(GemmAlgo algo) {
  switch (algo) {
    case GemmAlgo::kWgmmaTma: return "wgmma_tma";
    case GemmAlgo::kMmaCpAsync: return "mma_cp_async";
    case GemmAlgo::kMmaLdg: return "mma_ldg";
  }
  return "unknown";
}

std::string ToString(const GemmConfig& c) {
  // Appends only: GCC 12 at -O3 reports a false -Wrestrict on "literal" + std::string.
  std::string out;
  const auto add = [&out](std::string_view key, std::string_view value) {
    if (!out.empty()) out.append(";");
    out.append(key).append("=").append(value);
  };
  add("algo", AlgoName(c.algo));
  add("bm", std::to_string(c.block_m));
  add("bn", std::to_string(c.block_n));
  add("bk", std::to_string(c.block_k));
  add("wm", std::to_string(c.warps_m));
  add("wn", std::to_string(c.warps_n));
  add("stages", std::to_string(c.stages));
  add("cluster", std::to_string(c.cluster_m));
  add("split_k", std::to_string(c.split_k));
  add("raster", c.raster == Raster::kAlongM ? "m" : "n");
  add("swizzle", std::to_string(c.swizzle));
  add("epilogue", c.epilogue == Epilogue::kDirect ? "direct" : "tma_store");
  return out;
}

Result<GemmConfig> ParseGemmConfig(std::string_view text) {
  GemmConfig config;
  std::map<std::string, bool, std::less<>> seen;
  std::vector<std::string> known(kKeys.begin(), kKeys.end());
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (item.empty()) {
      if (end == text.size()) break;
      return Status::InvalidArgument("empty item in config '" + std::string(text) + "'");
    }
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("config item '" + std::string(item) + "' has no '='");
    }
    std::string key(Trim(item.substr(0, eq)));
    std::string_view value = Trim(item.substr(eq + 1));
    bool is_known = false;
    for (std::string_view k : kKeys) is_known = is_known || k == key;
    if (!is_known) {
      std::string near = NearestWord(key, known);
      return Status::InvalidArgument("unknown config key '" + key + "'" +
                                     (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    if (seen.count(key) != 0) {
      return Status::InvalidArgument("config key '" + key + "' appears twice");
    }
    seen[key] = true;
    KEVOLVE_RETURN_IF_ERROR(SetField(config, key, value));
  }
  for (std::string_view k : kKeys) {
    if (seen.count(k) == 0) {
      return Status::InvalidArgument("config '" + std::string(text) + "' lacks key '" +
                                     std::string(k) + "'");
    }
  }
  KEVOLVE_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

std::string KernelKey(const GemmConfig& c) {
  std::string out(AlgoName(c.algo));
  out.append("_").append(std::to_string(c.block_m)).append("x");
  out.append(std::to_string(c.block_n)).append("x").append(std::to_string(c.block_k));
  out.append("_w").append(std::to_string(c.warps_m)).append("x");
  out.append(std::to_string(c.warps_n));
  out.append("_s").append(std::to_string(c.stages));
  out.append("_c").append(std::to_string(c.cluster_m));
  if (c.epilogue == Epilogue::kTmaStore) out.append("_tma");
  return out;
}

Status ValidateConfig(const GemmConfig& c) {
  if (c.block_m <= 0 || c.block_n <= 0 || c.block_k <= 0 || c.warps_m <= 0 || c.warps_n <= 0 ||
      c.stages <= 0 || c.cluster_m <= 0 || c.split_k <= 0 || c.swizzle <= 0) {
    return Status::InvalidArgument("config fields must be positive: " + ToString(c));
  }
  if (c.stages < 2) return Status::InvalidArgument("stages must be at least 2: " + ToString(c));
  if (c.cluster_m != 1 && c.algo != GemmAlgo::kWgmmaTma) {
    return Status::InvalidArgument("cluster > 1 exists only for wgmma_tma: " + ToString(c));
  }
  if (c.cluster_m > 2) return Status::InvalidArgument("cluster is 1 or 2: " + ToString(c));
  if (c.epilogue == Epilogue::kTmaStore && c.algo != GemmAlgo::kWgmmaTma) {
    return Status::InvalidArgument("the TMA-store epilogue exists only for wgmma_tma: " +
                                   ToString(c));
  }
  if (c.algo == GemmAlgo::kWgmmaTma && (c.block_k != 64 || c.warps_n != 1)) {
    return Status::InvalidArgument(
        "wgmma_tma needs bk=64 (one 128-byte swizzle row of bf16) and wn=1: " + ToString(c));
  }
  return Status::Ok();
}

}  // namespace kevolve::gemm
