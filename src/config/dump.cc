// Config -> YAML, JSON and the key reference, by walking the schema (config/schema.h).
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "config/load.h"
#include "config/schema.h"

namespace kevolve {
namespace config {

std::string FormatNumber(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace config

namespace {

using config::KeyDoc;
using config::VisitKeys;
using config::kIsSection;
using config::kIsSectionList;
using config::kSplitString;

// --- YAML -------------------------------------------------------------------------------------

void Emit(YAML::Emitter& out, const std::string& value) { out << value; }
void Emit(YAML::Emitter& out, bool value) { out << value; }
void Emit(YAML::Emitter& out, double value) { out << config::FormatNumber(value); }

template <typename T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
void Emit(YAML::Emitter& out, T value) {
  out << std::to_string(value);
}

template <Choice E>
void Emit(YAML::Emitter& out, E value) {
  out << std::string(WordOf(value));
}

void Emit(YAML::Emitter& out, const std::vector<std::string>& values) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const std::string& value : values) out << value;
  out << YAML::EndSeq;
}

void Emit(YAML::Emitter& out, const std::map<std::string, std::string>& values) {
  if (values.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  for (const auto& [name, value] : values) out << YAML::Key << name << YAML::Value << value;
  out << YAML::EndMap;
}

template <typename T>
  requires kIsSectionList<T>
void Emit(YAML::Emitter& out, const T& items);

template <typename S>
  requires kIsSection<S>
void Emit(YAML::Emitter& out, const S& section) {
  out << YAML::BeginMap;
  VisitKeys(section, [&](std::string_view name, const auto& field, const KeyDoc&) {
    out << YAML::Key << std::string(name) << YAML::Value;
    Emit(out, field);
  });
  out << YAML::EndMap;
}

template <typename T>
  requires kIsSectionList<T>
void Emit(YAML::Emitter& out, const T& items) {
  if (items.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const auto& item : items) Emit(out, item);
  out << YAML::EndSeq;
}

// --- JSON -------------------------------------------------------------------------------------

Json ToJson(const std::string& value) { return value; }
Json ToJson(bool value) { return value; }
Json ToJson(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }
Json ToJson(const std::vector<std::string>& values) { return values; }
Json ToJson(const std::map<std::string, std::string>& values) { return values; }

template <typename T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
Json ToJson(T value) {
  return value;
}

template <Choice E>
Json ToJson(E value) {
  return std::string(WordOf(value));
}

template <typename T>
  requires kIsSectionList<T>
Json ToJson(const T& items);

template <typename S>
  requires kIsSection<S>
Json ToJson(const S& section) {
  Json object = Json::object();
  VisitKeys(section, [&](std::string_view name, const auto& field, const KeyDoc&) {
    object[std::string(name)] = ToJson(field);
  });
  return object;
}

template <typename T>
  requires kIsSectionList<T>
Json ToJson(const T& items) {
  Json array = Json::array();
  for (const auto& item : items) array.push_back(ToJson(item));
  return array;
}

// --- Key reference ----------------------------------------------------------------------------

template <typename T>
std::string TypeName(unsigned flags) {
  if constexpr (std::is_same_v<T, std::string> || Choice<T>) {
    return "string";
  } else if constexpr (std::is_same_v<T, bool>) {
    return "boolean";
  } else if constexpr (std::is_integral_v<T>) {
    return "integer";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "number";
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return (flags & kSplitString) ? "string or list of strings" : "list of strings";
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
    return "map of strings";
  } else {
    static_assert(kIsSectionList<T>, "a key type without a name");
    return "list of mappings";
  }
}

template <typename T>
std::string FlowText(const T& value) {
  YAML::Emitter out;
  out << YAML::Flow;
  Emit(out, value);
  return out.c_str();
}

template <typename S>
  requires kIsSection<S>
void DescribeSection(const S& section, const std::string& prefix, bool overridable,
                     std::vector<ConfigKey>& keys) {
  VisitKeys(section, [&](std::string_view name, const auto& field, const KeyDoc& doc) {
    using T = std::remove_cvref_t<decltype(field)>;
    const std::string path = prefix + std::string(name);
    if constexpr (kIsSection<T>) {
      DescribeSection(field, path + ".", overridable, keys);
    } else {
      keys.push_back(ConfigKey{path, TypeName<T>(doc.flags), FlowText(field),
                               std::string(doc.unit), std::string(doc.doc), overridable});
      if constexpr (kIsSectionList<T>) {
        const typename config::ListOf<T>::Element element{};
        DescribeSection(element, path + "[].", false, keys);
      }
    }
  });
}

}  // namespace

std::string ConfigToYaml(const Config& config) {
  YAML::Emitter out;
  if (!config.task.dir.empty()) {
    std::string dir = config.task.dir;
    for (char& c : dir) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out << YAML::Comment("task folder: " + dir);
  }
  Emit(out, config);
  std::string text = out.c_str();
  text += '\n';
  return text;
}

Json ConfigToJson(const Config& config) {
  Json json = ToJson(config);
  json["task"]["dir"] = config.task.dir;
  return json;
}

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> all;
    DescribeSection(Config{}, "", true, all);
    return all;
  }();
  return keys;
}

}  // namespace kevolve
