// golo run's overrides of the schedule from the command line, k6 style:
// --users, --duration, --rate and --pacing change the schedule's one job
// (or the scenario --scenario names) before it is sent to any host, and
// the run's summary and results say what was overridden.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace golo::cli {

struct Overrides {
  std::optional<std::string> users, duration, rate, pacing;
  std::string scenario;  // --scenario NAME: which scenario they change
  bool any() const { return users || duration || rate || pacing; }
};

void add_override_flags(CLI::App *run, Overrides &o);

// Rewrites `yaml` (already parsed once as the user wrote it, so its own
// mistakes were named by line) with the overrides. Returns "" or one line
// saying what cannot be overridden and why; `record` gets {key: value} of
// what was, with the scenario's name when there are scenarios.
std::string apply_overrides(const Overrides &o, std::string &yaml,
                            nlohmann::json &record);

// -e KEY=VALUE's keys in `record` (values may be secrets: never recorded).
void record_env(const std::map<std::string, std::string> &env,
                nlohmann::json &record);

// The summary's line for `record` ("" when nothing was overridden).
std::string overridden_line(const nlohmann::json &record);

}  // namespace golo::cli
