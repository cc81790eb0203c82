// YAML -> Config, strictly: every key is looked up in the schema (config/schema.h), every value
// is type-checked, and every error names file:line and the key path. yaml-cpp exceptions stop
// at this file.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "config/load.h"
#include "config/schema.h"
#include "core/files.h"
#include "core/text.h"

namespace kevolve {
namespace {

using config::KeyDoc;
using config::VisitKeys;
using config::kIsSection;
using config::kIsSectionList;
using config::kSplitString;

// Where a value sits and what it is called; errors are built from it.
struct Site {
  const std::string& source;  // "" for overrides: no location prefix
  int line;                   // 1-based; 0 = unknown
  std::string path;           // "evaluator.stages[1].threshold"; "" for the whole config
  unsigned flags = 0;

  std::string Where() const {
    if (source.empty()) return "";
    if (line <= 0) return source + ": ";
    return source + ":" + std::to_string(line) + ": ";
  }
  Status Error(const std::string& message) const {
    return Status::InvalidArgument(Where() + message);
  }
  std::string Child(std::string_view name) const {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }
};

int LineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "'" + Truncate(node.Scalar(), 80) + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

// "'run.iterations' must be an integer, got 'many'".
Status WrongScalar(const Site& site, std::string_view expected, const YAML::Node& node) {
  return site.Error("'" + site.path + "' must be " + std::string(expected) + ", got " +
                    Describe(node));
}

// "'database' must be a mapping": the line already shows what was written instead.
Status WrongShape(const Site& site, std::string_view expected) {
  if (site.path.empty()) return site.Error("the config must be " + std::string(expected));
  return site.Error("'" + site.path + "' must be " + std::string(expected));
}

// --- Scalars ----------------------------------------------------------------------------------

Status Parse(const YAML::Node& node, const Site& site, std::string& out) {
  if (node.IsNull()) {
    out.clear();
    return Status::Ok();
  }
  if (!node.IsScalar()) return WrongScalar(site, "a string", node);
  out = node.Scalar();
  return Status::Ok();
}

template <typename T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
Status Parse(const YAML::Node& node, const Site& site, T& out) {
  constexpr bool kUnsigned = std::is_unsigned_v<T>;
  const std::string_view expected = kUnsigned ? "a non-negative integer" : "an integer";
  if (!node.IsScalar()) return WrongScalar(site, expected, node);
  std::string_view text = Trim(node.Scalar());
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return WrongScalar(site,
                       std::string(expected) + " from " +
                           std::to_string(std::numeric_limits<T>::min()) + " to " +
                           std::to_string(std::numeric_limits<T>::max()),
                       node);
  }
  if (text.empty() || ec != std::errc() || ptr != end) return WrongScalar(site, expected, node);
  out = value;
  return Status::Ok();
}

Status Parse(const YAML::Node& node, const Site& site, double& out) {
  if (!node.IsScalar()) return WrongScalar(site, "a number", node);
  std::string_view text = Trim(node.Scalar());
  // YAML's spellings of the non-finite values.
  static const std::map<std::string_view, double> kSpecial = {
      {".inf", std::numeric_limits<double>::infinity()},
      {".Inf", std::numeric_limits<double>::infinity()},
      {".INF", std::numeric_limits<double>::infinity()},
      {"+.inf", std::numeric_limits<double>::infinity()},
      {"+.Inf", std::numeric_limits<double>::infinity()},
      {"+.INF", std::numeric_limits<double>::infinity()},
      {"-.inf", -std::numeric_limits<double>::infinity()},
      {"-.Inf", -std::numeric_limits<double>::infinity()},
      {"-.INF", -std::numeric_limits<double>::infinity()},
      {".nan", std::numeric_limits<double>::quiet_NaN()},
      {".NaN", std::numeric_limits<double>::quiet_NaN()},
      {".NAN", std::numeric_limits<double>::quiet_NaN()},
  };
  if (auto it = kSpecial.find(text); it != kSpecial.end()) {
    out = it->second;
    return Status::Ok();
  }
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return WrongScalar(site, "a number within double range", node);
  }
  if (text.empty() || ec != std::errc() || ptr != end) return WrongScalar(site, "a number", node);
  out = value;
  return Status::Ok();
}

Status Parse(const YAML::Node& node, const Site& site, bool& out) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") {
      out = true;
      return Status::Ok();
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      out = false;
      return Status::Ok();
    }
  }
  return WrongScalar(site, "true or false", node);
}

// A word of a closed set (config.h): the one place a choice is read from text.
template <Choice E>
Status Parse(const YAML::Node& node, const Site& site, E& out) {
  const std::vector<std::string_view> words = config::ChoiceWordList<E>();
  if (!node.IsScalar()) return WrongScalar(site, config::WordList(words), node);
  for (const ChoiceWord<E>& w : ChoiceWords(out)) {
    if (node.Scalar() == w.word) {
      out = w.value;
      return Status::Ok();
    }
  }
  return site.Error("'" + site.path + "' " + config::OneOfRule(words, node.Scalar()));
}

// --- Collections ------------------------------------------------------------------------------

Status Parse(const YAML::Node& node, const Site& site, std::vector<std::string>& out) {
  const bool split = (site.flags & kSplitString) != 0;
  if (node.IsNull()) {
    out.clear();
    return Status::Ok();
  }
  if (split && node.IsScalar()) {
    std::vector<std::string> words;
    const std::string& text = node.Scalar();
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j > i) words.push_back(text.substr(i, j - i));
      i = j;
    }
    out = std::move(words);
    return Status::Ok();
  }
  if (!node.IsSequence()) {
    return WrongShape(site, split ? "a list of strings or a string" : "a list of strings");
  }
  std::vector<std::string> items;
  size_t index = 0;
  for (const YAML::Node& item : node) {
    const Site item_site{site.source, LineOf(item, site.line),
                         site.path + "[" + std::to_string(index++) + "]"};
    if (!item.IsScalar()) return WrongScalar(item_site, "a string", item);
    items.push_back(item.Scalar());
  }
  out = std::move(items);
  return Status::Ok();
}

Status Parse(const YAML::Node& node, const Site& site, std::map<std::string, std::string>& out) {
  if (node.IsNull()) {
    out.clear();
    return Status::Ok();
  }
  if (!node.IsMap()) return WrongShape(site, "a mapping of names to strings");
  std::map<std::string, std::string> items;
  for (const auto& entry : node) {
    const int line = LineOf(entry.first, site.line);
    const Site key_site{site.source, line, site.path};
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      return key_site.Error("'" + site.path + "' names must be non-empty strings");
    }
    const std::string& name = entry.first.Scalar();
    const Site value_site{site.source, line, site.Child(name)};
    std::string value;
    KEVOLVE_RETURN_IF_ERROR(Parse(entry.second, value_site, value));
    if (!items.emplace(name, std::move(value)).second) {
      return key_site.Error("duplicate key '" + value_site.path + "'");
    }
  }
  out = std::move(items);
  return Status::Ok();
}

template <typename S>
  requires kIsSection<S>
Status ParseSection(const YAML::Node& node, const Site& site, S& out);

template <typename T>
  requires kIsSection<T>
Status Parse(const YAML::Node& node, const Site& site, T& out) {
  return ParseSection(node, site, out);
}

template <typename T>
  requires kIsSectionList<T>
Status Parse(const YAML::Node& node, const Site& site, T& out) {
  using Element = typename config::ListOf<T>::Element;
  if (node.IsNull()) {
    out.clear();
    return Status::Ok();
  }
  if (!node.IsSequence()) return WrongShape(site, "a list of mappings");
  T items;
  size_t index = 0;
  for (const YAML::Node& item : node) {
    const Site item_site{site.source, LineOf(item, site.line),
                         site.path + "[" + std::to_string(index) + "]"};
    // A bare "-" is more likely a mistake than a request for an all-default element.
    if (!item.IsMap()) return WrongShape(item_site, "a mapping");
    Element element;
    KEVOLVE_RETURN_IF_ERROR(ParseSection(item, item_site, element));
    config::FillListDefaults(element, index);
    items.push_back(std::move(element));
    ++index;
  }
  out = std::move(items);
  return Status::Ok();
}

// --- Sections ---------------------------------------------------------------------------------

template <typename S>
std::vector<std::string> KeyNames(const S& section) {
  std::vector<std::string> names;
  VisitKeys(section, [&](std::string_view name, const auto&, const KeyDoc&) {
    names.emplace_back(name);
  });
  return names;
}

// "unknown key 'run.iteration'; did you mean 'run.iterations'?". Without a near key in the same
// section, a key of that exact name elsewhere is suggested (a key put in the wrong section).
Status UnknownKey(const Site& section_site, int line, const std::string& name,
                  const std::vector<std::string>& names) {
  const Site site{section_site.source, line, section_site.Child(name)};
  std::string message = "unknown key '" + site.path + "'";
  std::string nearest = NearestWord(name, names);
  if (!nearest.empty()) return site.Error(message + "; did you mean '" + section_site.Child(nearest) + "'?");
  for (const ConfigKey& key : ConfigKeys()) {
    const size_t dot = key.path.rfind('.');
    if (dot != std::string::npos && key.path.compare(dot + 1, std::string::npos, name) == 0) {
      return site.Error(message + "; did you mean '" + key.path + "'?");
    }
  }
  std::string valid;
  for (const std::string& n : names) valid += (valid.empty() ? "" : ", ") + n;
  const std::string where = section_site.path.empty() ? "" : " in '" + section_site.path + "'";
  return site.Error(message + "; valid keys" + where + ": " + valid);
}

// Reads the keys present in `node` into `out`; keys not written keep their current value.
template <typename S>
  requires kIsSection<S>
Status ParseSection(const YAML::Node& node, const Site& site, S& out) {
  if (node.IsNull()) return Status::Ok();
  if (!node.IsMap()) return WrongShape(site, "a mapping");
  const std::vector<std::string> names = KeyNames(out);
  std::map<std::string, int> seen;  // key -> line
  for (const auto& entry : node) {
    const int line = LineOf(entry.first, site.line);
    if (!entry.first.IsScalar()) {
      return Site{site.source, line, site.path}.Error("keys must be plain names, got " +
                                                     Describe(entry.first));
    }
    const std::string& name = entry.first.Scalar();
    if (auto [it, inserted] = seen.emplace(name, line); !inserted) {
      return Site{site.source, line, site.path}.Error(
          "duplicate key '" + site.Child(name) + "' (first at line " +
          std::to_string(it->second) + ")");
    }
    bool found = false;
    Status status;
    VisitKeys(out, [&](std::string_view key, auto& field, const KeyDoc& doc) {
      if (found || key != name) return;
      found = true;
      status = Parse(entry.second, Site{site.source, line, site.Child(name), doc.flags}, field);
    });
    if (!found) return UnknownKey(site, line, name, names);
    KEVOLVE_RETURN_IF_ERROR(status);
  }
  return Status::Ok();
}

// --- Overrides --------------------------------------------------------------------------------

template <typename T>
inline constexpr bool kIsScalar =
    std::is_arithmetic_v<T> || std::is_same_v<T, std::string> || Choice<T>;

// The node an override's text stands for (see ApplyOverride in load.h).
template <typename T>
Result<YAML::Node> OverrideNode(const std::string& value, const Site& site) {
  if constexpr (kIsScalar<T>) {
    return YAML::Node(value);  // verbatim: "~" is the string "~", "a: b" is not a mapping
  } else {
    const std::string_view text = Trim(value);
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (text.empty() || text[0] != '[') {
        if (site.flags & kSplitString) return YAML::Node(value);
        YAML::Node list(YAML::NodeType::Sequence);
        size_t start = 0;
        while (!text.empty() && start <= text.size()) {
          size_t comma = text.find(',', start);
          if (comma == std::string_view::npos) comma = text.size();
          list.push_back(std::string(Trim(text.substr(start, comma - start))));
          start = comma + 1;
        }
        return list;
      }
    }
    try {
      return YAML::Load(value);
    } catch (const YAML::Exception& e) {
      return site.Error("'" + site.path + "' must be YAML flow text, e.g. [a, b] or {k: v}: " +
                        e.msg);
    }
  }
}

template <typename S>
  requires kIsSection<S>
Status OverrideIn(S& section, const std::vector<std::string>& segments, size_t index,
                  const Site& section_site, const std::string& value) {
  const std::string& name = segments[index];
  bool found = false;
  Status status;
  VisitKeys(section, [&](std::string_view key, auto& field, const KeyDoc& doc) {
    if (found || key != name) return;
    found = true;
    using T = std::remove_cvref_t<decltype(field)>;
    const Site site{section_site.source, 0, section_site.Child(name), doc.flags};
    if (index + 1 < segments.size()) {
      if constexpr (kIsSection<T>) {
        status = OverrideIn(field, segments, index + 1, site, value);
      } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
        // One entry of a map: the rest of the dotted key is the entry's name (it may hold dots).
        std::string entry = segments[index + 1];
        for (size_t k = index + 2; k < segments.size(); ++k) entry += "." + segments[k];
        field[entry] = value;
      } else {
        status = site.Error("unknown key '" + site.Child(segments[index + 1]) + "': '" +
                            site.path + "' has no keys below it");
      }
      return;
    }
    Result<YAML::Node> node = OverrideNode<T>(value, site);
    if (!node.ok()) {
      status = node.status();
      return;
    }
    // Parse into a copy so that a failing list or scalar leaves the config as it was.
    T parsed = field;
    status = Parse(*node, site, parsed);
    if (status.ok()) field = std::move(parsed);
  });
  if (!found) return UnknownKey(section_site, 0, name, KeyNames(section));
  return status;
}

std::string FolderName(const std::string& dir) {
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  return std::filesystem::path(trimmed).filename().string();
}

}  // namespace

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name,
                           const std::string& task_dir) {
  Config config;
  config.task.dir = task_dir;
  const Site top{source_name, 1, ""};
  try {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(yaml_text);
    } catch (const YAML::ParserException& e) {
      return Site{source_name, e.mark.is_null() ? 0 : e.mark.line + 1, ""}.Error(
          "invalid YAML: " + e.msg);
    }
    if (documents.size() > 1) {
      return Site{source_name, LineOf(documents[1], 0), ""}.Error(
          "expected one YAML document, found " + std::to_string(documents.size()));
    }
    if (!documents.empty()) {
      KEVOLVE_RETURN_IF_ERROR(ParseSection(documents[0], top, config));
    }
  } catch (const std::exception& e) {
    // Not expected: every node access above is checked. Kept so that no exception escapes.
    return top.Error(std::string("cannot read config: ") + e.what());
  }
  if (config.task.name.empty() && !task_dir.empty()) config.task.name = FolderName(task_dir);
  return config;
}

Result<Config> LoadConfigFile(const std::string& path) {
  KEVOLVE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  const std::string dir = std::filesystem::path(AbsolutePath(path)).parent_path().string();
  return ParseConfig(text, path, dir);
}

std::string InitialProgramPath(const TaskConfig& task) {
  return (std::filesystem::path(task.dir) / task.initial_program).string();
}

Result<Config> LoadTaskConfig(const std::string& task_dir) {
  std::string dir = task_dir.empty() ? "." : task_dir;
  if (dir.back() != '/') dir += '/';
  return LoadConfigFile(dir + "kevolve.yaml");
}

Status ApplyOverride(Config& config, const std::string& dotted_key, const std::string& value) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= dotted_key.size()) {
    size_t dot = dotted_key.find('.', start);
    if (dot == std::string::npos) dot = dotted_key.size();
    segments.push_back(dotted_key.substr(start, dot - start));
    start = dot + 1;
  }
  for (const std::string& segment : segments) {
    if (segment.empty()) {
      return Status::InvalidArgument("invalid key '" + dotted_key +
                                     "': expected dotted names such as 'run.iterations'");
    }
  }
  static const std::string kNoSource;
  try {
    return OverrideIn(config, segments, 0, Site{kNoSource, 0, ""}, value);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot set '" + dotted_key + "': " + e.what());
  }
}

Result<std::vector<std::pair<std::string, std::string>>> SplitOverrides(
    const std::vector<std::string>& words) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& kv : words) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("--set '" + kv + "' must look like key.path=value");
    }
    out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

Status ApplyOverrides(Config& config, const std::vector<std::string>& words) {
  KEVOLVE_ASSIGN_OR_RETURN(const auto overrides, SplitOverrides(words));
  for (const auto& [key, value] : overrides) {
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, key, value).WithContext("--set " + key));
  }
  return Status::Ok();
}

}  // namespace kevolve
