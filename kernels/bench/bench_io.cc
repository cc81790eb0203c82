#include "bench/bench_io.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/quantile.h"
#include "core/text.h"

namespace kevolve::gemm::bench {
namespace {

Result<double> ParseDouble(std::string_view text, size_t line_no) {
  if (text.empty()) return 0.0;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("line " + std::to_string(line_no) + ": bad number '" +
                                   std::string(text) + "'");
  }
  return v;
}

std::string FormatUs(double us) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", us);
  return buf;
}

}  // namespace

Result<int64_t> ParseInt(std::string_view text, std::string_view what, size_t line_no) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("line " + std::to_string(line_no) + ": " + std::string(what) +
                                   " is not an integer: '" + std::string(text) + "'");
  }
  return v;
}

std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t comma = line.find(',', pos);
    out.emplace_back(Trim(line.substr(pos, comma == std::string_view::npos ? line.npos
                                                                           : comma - pos)));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

Result<std::vector<ShapeEntry>> ParseShapeSuite(std::string_view csv) {
  std::vector<ShapeEntry> out;
  const std::vector<std::string> lines = SplitLines(csv);
  bool header_seen = false;
  bool has_layout = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = Trim(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string> f = SplitCsv(line);
    if (!header_seen) {
      if (f.size() < 4 || f[0] != "m" || f[1] != "n" || f[2] != "k" || f[3] != "origin" ||
          (f.size() == 5 && f[4] != "layout") || f.size() > 5) {
        return Status::InvalidArgument("shape suite header must be 'm,n,k,origin[,layout]', got '" +
                                       std::string(line) + "'");
      }
      has_layout = f.size() == 5;
      header_seen = true;
      continue;
    }
    if (f.size() != (has_layout ? 5u : 4u)) {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": expected " +
                                     (has_layout ? "5" : "4") + " fields, got " +
                                     std::to_string(f.size()));
    }
    ShapeEntry e;
    KEVOLVE_ASSIGN_OR_RETURN(e.shape.m, ParseInt(f[0], "m", i + 1));
    KEVOLVE_ASSIGN_OR_RETURN(e.shape.n, ParseInt(f[1], "n", i + 1));
    KEVOLVE_ASSIGN_OR_RETURN(e.shape.k, ParseInt(f[2], "k", i + 1));
    if (e.shape.m < 1 || e.shape.n < 1 || e.shape.k < 1) {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": m, n, k must be >= 1");
    }
    e.origin = f[3];
    if (has_layout) {
      if (f[4] != "nk" && f[4] != "kn") {
        return Status::InvalidArgument("line " + std::to_string(i + 1) +
                                       ": layout is 'nk' or 'kn', got '" + f[4] + "'");
      }
      e.shape.b_layout = f[4] == "kn" ? BLayout::kKN : BLayout::kNK;
    }
    out.push_back(std::move(e));
  }
  if (!header_seen) return Status::InvalidArgument("shape suite is empty (no header)");
  return out;
}

std::string FormatPerfRow(const PerfRow& row) {
  std::string status = row.status;
  for (char& ch : status) {
    if (ch == ',') ch = ';';
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  const bool ok = status == "ok";
  std::string out = std::to_string(row.m) + "," + std::to_string(row.n) + "," +
                    std::to_string(row.k) + "," + row.dtype + "," + row.config + ",";
  if (ok) {
    out += FormatUs(row.median_us) + "," + FormatUs(row.p10_us) + "," + FormatUs(row.p90_us);
  } else {
    out += ",,";
  }
  out += "," + status;
  return out;
}

Status ForEachPerfRow(std::string_view csv, const std::function<Status(const PerfRowView&)>& row) {
  size_t line_no = 0, start = 0;
  bool header_seen = false;
  while (start < csv.size()) {
    const size_t newline = csv.find('\n', start);
    const std::string_view line =
        csv.substr(start, newline == std::string_view::npos ? csv.npos : newline - start);
    start = newline == std::string_view::npos ? csv.size() : newline + 1;
    ++line_no;
    if (!header_seen) {
      if (Trim(line) != kPerfTableHeader) break;
      header_seen = true;
      continue;
    }
    if (Trim(line).empty()) continue;
    std::string_view f[9];
    size_t fields = 0, pos = 0;
    for (;;) {  // counts every field, keeps the first nine
      const size_t comma = line.find(',', pos);
      if (fields < 9) {
        f[fields] = Trim(line.substr(pos, comma == std::string_view::npos ? line.npos : comma - pos));
      }
      ++fields;
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    if (fields != 9) {
      return Status::InvalidArgument("line " + std::to_string(line_no) + ": expected 9 fields");
    }
    PerfRowView r;
    KEVOLVE_ASSIGN_OR_RETURN(r.m, ParseInt(f[0], "m", line_no));
    KEVOLVE_ASSIGN_OR_RETURN(r.n, ParseInt(f[1], "n", line_no));
    KEVOLVE_ASSIGN_OR_RETURN(r.k, ParseInt(f[2], "k", line_no));
    r.dtype = f[3];
    r.config = f[4];
    KEVOLVE_ASSIGN_OR_RETURN(r.median_us, ParseDouble(f[5], line_no));
    KEVOLVE_ASSIGN_OR_RETURN(r.p10_us, ParseDouble(f[6], line_no));
    KEVOLVE_ASSIGN_OR_RETURN(r.p90_us, ParseDouble(f[7], line_no));
    r.status = f[8];
    KEVOLVE_RETURN_IF_ERROR(row(r));
  }
  if (!header_seen) {
    return Status::InvalidArgument("performance table must start with '" +
                                   std::string(kPerfTableHeader) + "'");
  }
  return Status::Ok();
}

Result<std::vector<PerfRow>> ParsePerfTable(std::string_view csv) {
  std::vector<PerfRow> rows;
  KEVOLVE_RETURN_IF_ERROR(ForEachPerfRow(csv, [&](const PerfRowView& v) {
    rows.push_back(PerfRow{v.m, v.n, v.k, std::string(v.dtype), std::string(v.config), v.median_us,
                           v.p10_us, v.p90_us, std::string(v.status)});
    return Status::Ok();
  }));
  return rows;
}

TimingStats Summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const auto quantile = [&](double q) { return QuantileOfSorted(samples, q); };
  TimingStats s;
  s.median_us = quantile(0.5);
  s.p10_us = quantile(0.1);
  s.p90_us = quantile(0.9);
  s.min_us = samples.front();
  s.max_us = samples.back();
  s.reps = static_cast<int>(samples.size());
  return s;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(ch));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace kevolve::gemm::bench
