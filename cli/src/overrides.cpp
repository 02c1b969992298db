#include "overrides.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "golo/agent/closest.h"
#include "golo/agent/duration.h"

namespace golo::cli {

namespace {

bool whole_number(const std::string &s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isdigit(c); });
}

bool positive_number(const std::string &s) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    return used == s.size() && v > 0 && std::isdigit((unsigned char)s[0]);
  } catch (const std::exception &) {
    return false;
  }
}

// Each value's shape, checked before the schedule is touched.
std::string check_values(const Overrides &o) {
  if (o.users && (!whole_number(*o.users) || std::stol(*o.users) == 0))
    return "--users " + *o.users + ": want a whole number of users, 1 or more";
  if (o.rate && !positive_number(*o.rate))
    return "--rate " + *o.rate + ": want iterations per second, above 0";
  for (const auto &[flag, value] : {std::pair{"--duration", &o.duration},
                                    std::pair{"--pacing", &o.pacing}}) {
    std::string why;
    // A whole number is seconds, as in the schedule (go-lo's form).
    if (*value && !whole_number(**value) &&
        !agent::parse_duration(**value, &why))
      return std::string(flag) + " " + **value + ": " + why;
  }
  if (o.duration && *o.duration == "0")
    return "--duration 0: want a duration longer than 0 (30s, 2m)";
  return "";
}

// The mapping the overrides change: job:, or the scenario named.
std::string pick(YAML::Node &root, const Overrides &o, YAML::Node &job,
                 std::string &name) {
  if (root["job"] && o.scenario.empty()) {
    job = root["job"];
    return "";
  }
  if (!root["scenarios"] || !root["scenarios"].IsMap())
    return "--scenario " + o.scenario + ": the schedule has no scenarios:";
  std::vector<std::string> names;
  for (const auto &kv : root["scenarios"])
    names.push_back(kv.first.as<std::string>());
  std::string list;
  for (const auto &n : names) list += (list.empty() ? "" : ", ") + n;
  if (o.scenario.empty())
    return "the schedule has " + std::to_string(names.size()) + " scenarios (" +
           list + "): name the one to change with --scenario";
  if (std::find(names.begin(), names.end(), o.scenario) == names.end()) {
    const auto near = agent::closest(o.scenario, names, 3);
    return "--scenario " + o.scenario + ": no such scenario" +
           (near.empty() ? "" : "; did you mean " + near + "?") +
           " (the schedule has " + list + ")";
  }
  job = root["scenarios"][o.scenario];
  name = o.scenario;
  return "";
}

// The model the job is in decides which overrides fit it.
std::string set_values(const Overrides &o, YAML::Node &job,
                       const std::string &what) {
  const bool open = job["arrival_rate"] || job["rate_stages"];
  if (open && (o.users || o.pacing))
    return std::string(o.users ? "--users" : "--pacing") + ": " + what +
           " is open model (arrival_rate): use --rate";
  if (!open && o.rate)
    return "--rate: " + what + " is closed model (users): use --users";
  const char *stages = open ? "rate_stages" : "stages";
  if (o.duration && job[stages] && !(open ? o.rate : o.users))
    return "--duration: " + what + " ramps by " + stages + ": give " +
           (open ? "--rate" : "--users") + " too (a constant load for " +
           *o.duration + ")";
  if (open ? o.rate.has_value() : o.users.has_value()) job.remove(stages);
  if (o.users) job["users"] = *o.users;
  if (o.rate) job["arrival_rate"] = *o.rate;
  if (o.pacing) job["pacing"] = *o.pacing;
  if (o.duration) job["duration"] = *o.duration;
  return "";
}

}  // namespace

void add_override_flags(CLI::App *run, Overrides &o) {
  const char *group = "Overrides (of the schedule's job, or --scenario's)";
  run->add_option("--users", o.users, "users (closed model)")->group(group);
  run->add_option("--duration", o.duration, "how long: 30s, 2m")->group(group);
  run->add_option("--rate", o.rate, "arrivals per second (open model)")
      ->group(group);
  run->add_option("--pacing", o.pacing, "time between a user's starts")
      ->group(group);
  run->add_option("--scenario", o.scenario, "the scenario they change")
      ->group(group);
}

std::string apply_overrides(const Overrides &o, std::string &yaml,
                            nlohmann::json &record) {
  if (!o.any()) return "";
  if (auto why = check_values(o); !why.empty()) return why;
  YAML::Node root = YAML::Load(yaml);
  YAML::Node job;
  std::string name;
  if (auto why = pick(root, o, job, name); !why.empty()) return why;
  const std::string what = name.empty() ? "the job" : "scenario " + name;
  if (auto why = set_values(o, job, what); !why.empty()) return why;
  if (!name.empty()) record["scenario"] = name;
  if (o.users) record["users"] = std::stol(*o.users);
  if (o.rate) record["arrival_rate"] = std::stod(*o.rate);
  if (o.duration) record["duration"] = *o.duration;
  if (o.pacing) record["pacing"] = *o.pacing;
  YAML::Emitter out;
  out << root;
  yaml = std::string(out.c_str()) + "\n";
  return "";
}

void record_env(const std::map<std::string, std::string> &env,
                nlohmann::json &record) {
  for (const auto &[key, value] : env) record["env"].push_back(key);
}

std::string overridden_line(const nlohmann::json &record) {
  if (record.empty()) return "";
  std::string line = "overridden from the command line:";
  for (auto it = record.begin(); it != record.end(); ++it) {
    if (it.key() == "env") {  // keys only: a value may be a secret
      for (const auto &key : *it)
        line += " env " + key.get<std::string>() + ",";
      continue;
    }
    line += " " + it.key() + " " +
            (it->is_string() ? it->get<std::string>() : it->dump()) + ",";
  }
  line.pop_back();
  return line;
}

}  // namespace golo::cli
