#include "bench/bench_flags.h"

#include <charconv>
#include <cstdlib>

#include "core/text.h"

namespace kevolve::gemm::bench {

Result<Flags> Flags::Parse(const std::vector<std::string>& args,
                           const std::vector<FlagSpec>& specs) {
  Flags flags;
  std::vector<std::string> names;
  for (const FlagSpec& s : specs) {
    flags.values_[s.name] = s.fallback;
    names.push_back(s.name);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!StartsWith(arg, "--")) {
      return Status::InvalidArgument("unexpected argument '" + arg + "' (flags are --name value)");
    }
    std::string name = arg.substr(2);
    std::string value;
    const size_t eq = name.find('=');
    bool inline_value = false;
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      const std::string near = NearestWord(name, names);
      return Status::InvalidArgument("unknown flag --" + name +
                                     (near.empty() ? "" : " (did you mean --" + near + "?)"));
    }
    if (spec->is_switch) {
      value = inline_value ? value : "1";
    } else if (!inline_value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument("--" + name + " needs a value");
      value = args[++i];
    }
    flags.values_[name] = value;
    flags.given_[name] = true;
  }
  return flags;
}

const std::string& Flags::Get(const std::string& name) const { return values_.at(name); }

bool Flags::IsSet(const std::string& name) const { return given_.count(name) != 0; }

Result<double> Flags::GetDouble(const std::string& name) const {
  const std::string& v = Get(name);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size()) {
    return Status::InvalidArgument("--" + name + " needs a number, got '" + v + "'");
  }
  return d;
}

Result<int> Flags::GetInt(const std::string& name) const {
  const std::string& v = Get(name);
  int out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    return Status::InvalidArgument("--" + name + " needs an integer, got '" + v + "'");
  }
  return out;
}

std::string FlagHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    std::string left = "  --" + s.name + (s.is_switch ? "" : " VALUE");
    if (left.size() < 26) left.resize(26, ' ');
    out += left + " " + s.help;
    if (!s.is_switch) out += " (default: " + (s.fallback.empty() ? "none" : s.fallback) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace kevolve::gemm::bench
