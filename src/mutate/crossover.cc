#include "mutate/crossover.h"

#include <cstdint>
#include <string_view>

#include "core/text.h"

namespace kevolve::mutate {
namespace {

// Differing runs between a[a0, a1) and b[b0, b1), from an LCS table over trimmed-line hashes.
void AlignRegions(const std::vector<std::string>& a, size_t a0, size_t a1,
                  const std::vector<std::string>& b, size_t b0, size_t b1,
                  std::vector<CrossoverSite>* out) {
  const size_t n = a1 - a0;
  const size_t m = b1 - b0;
  if ((n + 1) * (m + 1) > kMaxAlignCells) return;
  std::vector<uint64_t> ha(n), hb(m);
  for (size_t i = 0; i < n; ++i) ha[i] = Fnv1a64(Trim(a[a0 + i]));
  for (size_t j = 0; j < m; ++j) hb[j] = Fnv1a64(Trim(b[b0 + j]));
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = ha[i] == hb[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ha[i] == hb[j]) {
      ++i;
      ++j;
      continue;
    }
    const size_t si = i, sj = j;
    while ((i < n || j < m) && !(i < n && j < m && ha[i] == hb[j])) {
      if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        ++i;
      } else {
        ++j;
      }
    }
    CrossoverSite site;
    site.begin = a0 + si;
    site.end = a0 + i;
    site.from_begin = b0 + sj;
    site.from_end = b0 + j;
    site.lines.assign(b.begin() + static_cast<std::ptrdiff_t>(b0 + sj),
                      b.begin() + static_cast<std::ptrdiff_t>(b0 + j));
    out->push_back(std::move(site));
  }
}

}  // namespace

std::vector<CrossoverSite> FindCrossoverSites(const std::vector<std::string>& parent,
                                              const std::vector<edit::Region>& pr,
                                              const std::vector<std::string>& inspiration,
                                              const std::vector<edit::Region>& ir) {
  std::vector<CrossoverSite> out;
  for (size_t k = 0; k < pr.size() && k < ir.size(); ++k) {
    if (pr[k].has_markers != ir[k].has_markers) return {};
    AlignRegions(parent, pr[k].begin, pr[k].end, inspiration, ir[k].begin, ir[k].end, &out);
  }
  return out;
}

}  // namespace kevolve::mutate
