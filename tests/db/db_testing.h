// Builders shared by the db tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "config/config.h"
#include "core/program.h"

namespace kevolve::testing {

// A valid program with unique code (so a unique hash) unless `code` is given.
inline Program MakeProgram(int64_t id, double score, int island = 0,
                           std::map<std::string, double> features = {}, bool valid = true,
                           std::string code = "") {
  Program p;
  p.id = id;
  p.code = code.empty() ? "int f() { return " + std::to_string(id) + "; }\n" : code;
  p.code_hash = "hash-" + (code.empty() ? std::to_string(id) : code);
  p.island = island;
  p.origin = "mutator:literal";
  p.result.valid = valid;
  p.result.combined_score = score;
  p.result.features = std::move(features);
  p.result.failure = valid ? Failure::kNone : Failure::kCrash;
  return p;
}

inline DatabaseConfig OneIslandConfig() {
  DatabaseConfig c;
  c.islands = 1;
  c.island_capacity = 100;
  c.archive_size = 10;
  c.num_inspirations = 3;
  return c;
}

inline FeatureConfig Axis(std::string name, double min, double max, int bins) {
  FeatureConfig f;
  f.name = std::move(name);
  f.min = min;
  f.max = max;
  f.bins = bins;
  return f;
}

}  // namespace kevolve::testing
