// The dashboard's files (web/dashboard/), compiled into the binary by cmake/EmbedAssets.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace kevolve::serve {

struct Asset {
  std::string_view path;          // URL path, "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<Asset>& Assets();

}  // namespace kevolve::serve
