#include "store/program_row.h"

#include <cmath>
#include <limits>

#include "core/json.h"

namespace kevolve::store {

std::string EncodeNumbers(const std::map<std::string, double>& values) {
  Json object = Json::object();
  for (const auto& [key, value] : values) {
    if (std::isnan(value)) {
      object[key] = "nan";
    } else if (std::isinf(value)) {
      object[key] = value > 0 ? "inf" : "-inf";
    } else {
      object[key] = value;
    }
  }
  return DumpJson(object);
}

Result<std::map<std::string, double>> DecodeNumbers(const std::string& json) {
  KEVOLVE_ASSIGN_OR_RETURN(Json object, ParseJson(json));
  if (!object.is_object()) return Status::FailedPrecondition("expected a JSON object");
  std::map<std::string, double> values;
  for (const auto& [key, value] : object.items()) {
    if (value.is_number()) {
      values[key] = value.get<double>();
    } else if (value == "nan") {
      values[key] = std::numeric_limits<double>::quiet_NaN();
    } else if (value == "inf") {
      values[key] = std::numeric_limits<double>::infinity();
    } else if (value == "-inf") {
      values[key] = -std::numeric_limits<double>::infinity();
    } else {
      return Status::FailedPrecondition("value of '" + key + "' is not a number");
    }
  }
  return values;
}

std::string EncodeStrings(const std::map<std::string, std::string>& values) {
  Json object = Json::object();
  for (const auto& [key, value] : values) object[key] = value;
  return DumpJson(object);
}

Result<std::map<std::string, std::string>> DecodeStrings(const std::string& json) {
  KEVOLVE_ASSIGN_OR_RETURN(Json object, ParseJson(json));
  if (!object.is_object()) return Status::FailedPrecondition("expected a JSON object");
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) {
      return Status::FailedPrecondition("value of '" + key + "' is not a string");
    }
    values[key] = value.get<std::string>();
  }
  return values;
}

void BindProgram(Statement& stmt, const Program& p) {
  const EvalResult& r = p.result;
  stmt.Bind(1, p.code)
      .Bind(2, p.code_hash)
      .Bind(3, p.parent_id)
      .Bind(4, p.generation)
      .Bind(5, p.island)
      .Bind(6, p.origin)
      .Bind(7, p.edit)
      .Bind(8, int64_t{r.valid ? 1 : 0})
      .Bind(9, r.combined_score)
      .Bind(10, std::string_view(FailureName(r.failure)))
      .Bind(11, r.reason)
      .Bind(12, EncodeNumbers(r.metrics))
      .Bind(13, EncodeNumbers(r.features))
      .Bind(14, EncodeNumbers(r.hidden_metrics))
      .Bind(15, EncodeStrings(r.artifacts))
      .Bind(16, r.stages_run)
      .Bind(17, r.duration_ms)
      .Bind(18, p.created_unix_ms);
}

Result<Program> ReadProgram(const Statement& stmt) {
  Program p;
  p.id = stmt.Int(0);
  p.code = stmt.Text(1);
  p.code_hash = stmt.Text(2);
  p.parent_id = stmt.Int(3);
  p.generation = stmt.Int(4);
  p.island = static_cast<int>(stmt.Int(5));
  p.origin = stmt.Text(6);
  p.edit = stmt.Text(7);
  EvalResult& r = p.result;
  r.valid = stmt.Int(8) != 0;
  r.combined_score = stmt.Real(9);
  r.failure = FailureFromName(stmt.Text(10));
  r.reason = stmt.Text(11);
  const std::string where = "program " + std::to_string(p.id) + ": ";
  auto numbers = [&](int column, const char* name, std::map<std::string, double>& out) -> Status {
    auto decoded = DecodeNumbers(stmt.Text(column));
    if (!decoded.ok()) {
      return Status::FailedPrecondition(where + name +
                                        " is damaged: " + decoded.status().message());
    }
    out = std::move(decoded).value();
    return Status::Ok();
  };
  KEVOLVE_RETURN_IF_ERROR(numbers(12, "metrics_json", r.metrics));
  KEVOLVE_RETURN_IF_ERROR(numbers(13, "features_json", r.features));
  KEVOLVE_RETURN_IF_ERROR(numbers(14, "hidden_json", r.hidden_metrics));
  auto artifacts = DecodeStrings(stmt.Text(15));
  if (!artifacts.ok()) {
    return Status::FailedPrecondition(where +
                                      "artifacts_json is damaged: " + artifacts.status().message());
  }
  r.artifacts = std::move(artifacts).value();
  r.stages_run = static_cast<int>(stmt.Int(16));
  r.duration_ms = stmt.Int(17);
  p.created_unix_ms = stmt.Int(18);
  return p;
}

}  // namespace kevolve::store
