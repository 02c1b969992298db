#include "golo/agent/schedule.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "golo/agent/duration.h"
#include "schedule_limits.h"
#include "schedule_parser.h"
#include "timeline.h"

namespace golo::agent {

const std::vector<std::string> &default_tag_keys() {
  static const std::vector<std::string> keys = {
      "status", "method", "url",        "name",
      "group",  "error",  "error_code", "scenario"};
  return keys;
}

std::string schedule_too_large(std::string_view file, std::uint64_t bytes) {
  return std::string(file) + ": the schedule is " + std::to_string(bytes) +
         " bytes; the limit is 1 MiB (" + std::to_string(kMaxScheduleBytes) +
         " bytes)";
}

std::string timeout_text(Nanos timeout) {
  return "timeout: the iteration took longer than iteration_timeout " +
         format_duration(static_cast<double>(timeout.count()));
}

namespace {

// A selector picks tag sets, so it may name only keys that make them.
void check_selectors(const detail::Parser &p, const Schedule &s,
                     const std::vector<YAML::Mark> &threshold_marks) {
  for (std::size_t i = 0; i < s.thresholds.size(); ++i)
    for (const auto &[key, value] : s.thresholds[i].selector)
      if (key != kStepSelector && key != kCheckSelector &&
          std::find(s.tag_keys.begin(), s.tag_keys.end(), key) ==
              s.tag_keys.end()) {
        std::string keys;
        for (const auto &k : s.tag_keys) keys += (keys.empty() ? "" : " ") + k;
        p.fail(threshold_marks[i], "threshold \"" + s.thresholds[i].text +
                                       "\": unknown selector "
                                       "key \"" +
                                       key +
                                       "\"; a selector takes step, check or "
                                       "the job's tags (" +
                                       keys + "; set them with job.tags)");
      }
}

YAML::Node load_yaml(const detail::Parser &p, std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException &e) {
    p.fail(e.mark, e.msg);
  }
  if (!root.IsDefined() || root.IsNull())
    p.fail(YAML::Mark::null_mark(), "empty schedule (expected a job: mapping)");
  return root;
}

}  // namespace

Schedule Schedule::parse(std::string_view yaml, std::string_view file) {
  detail::check_schedule_text(yaml, file);
  const detail::Parser p{std::string(file)};
  const YAML::Node root = load_yaml(p, yaml);
  Schedule s;
  s.file = file;
  s.tag_keys = default_tag_keys();
  auto top = p.entries(root, "the schedule",
                       {"version", "job", "scenarios", "thresholds"});
  if (top.count("version"))
    s.version = p.text(top["version"].second, "version");
  if (top.count("job") && top.count("scenarios"))
    p.fail(top["scenarios"].first.Mark(),
           "a schedule holds job: (one scenario) or scenarios:, not both");
  if (!top.count("job") && !top.count("scenarios"))
    p.fail(root.Mark(), "missing job: mapping (or scenarios:)");
  std::vector<YAML::Mark> threshold_marks;
  if (top.count("thresholds"))
    threshold_marks = detail::parse_thresholds(p, top["thresholds"].second, s);
  if (top.count("job"))
    detail::parse_job(p, top["job"].second, "job", false, s);
  else
    detail::parse_scenarios(p, top["scenarios"].second, s);
  // The thresholds stay on the whole run (they judge it as a whole); a copy
  // in every scenario cost scenarios x thresholds copies of caller text.
  check_selectors(p, s, threshold_marks);
  return s;
}

Schedule Schedule::load(const std::string &path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot read the schedule");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Schedule Schedule::share(std::uint64_t index, std::uint64_t count) const {
  if (count == 0 || index >= count)
    throw std::invalid_argument("share " + std::to_string(index) + " of " +
                                std::to_string(count) + " does not exist");
  auto split = [&](std::uint64_t v) {
    return v / count + (index < v % count ? 1 : 0);
  };
  Schedule s = *this;
  for (auto &one : s.scenarios) one = one.share(index, count);
  s.users = split(users);
  s.arrival_rate = split(arrival_rate);
  s.max_users = split(max_users);
  for (auto &st : s.stages) st.target = split(st.target);
  // A host whose share has arrivals needs a user to serve them: max_users 1
  // on 2 hosts must not leave the second dropping every one of its arrivals.
  if (model == Model::open && s.max_users == 0 && s.peak_rate() > 0)
    s.max_users = 1;
  return s;
}

const Schedule &Schedule::scenario_named(std::string_view name) const {
  if (scenarios.empty() && name.empty()) return *this;
  for (const auto &one : scenarios)
    if (one.scenario == name) return one;
  std::string names;
  for (const auto &one : scenarios)
    names += (names.empty() ? "" : ", ") + one.scenario;
  if (scenarios.empty())
    throw std::invalid_argument(file +
                                ": has no scenarios (it holds job:), "
                                "so no scenario \"" +
                                std::string(name) + "\"");
  throw std::invalid_argument(
      file + ": " +
      (name.empty() ? std::string("a run of a scenarios: schedule names one")
                    : "no scenario \"" + std::string(name) + "\"") +
      " (its scenarios: " + names + ")");
}

double Schedule::level_at(Nanos t) const {
  const detail::Timeline timeline(*this);
  return timeline.level(t).value_or(timeline.final_level());
}

std::uint64_t Schedule::peak_rate() const {
  if (model == Model::closed) return 0;
  std::uint64_t peak = arrival_rate;
  for (const auto &st : stages) peak = std::max(peak, st.target);
  return peak;
}

std::uint64_t Schedule::peak_users() const {
  if (!scenarios.empty()) {
    std::uint64_t sum = 0;
    for (const auto &one : scenarios) sum += one.peak_users();
    return sum;
  }
  if (model == Model::open) return max_users;
  std::uint64_t peak = users;
  for (const auto &st : stages) peak = std::max(peak, st.target);
  return peak;
}

nlohmann::json Schedule::to_json() const {
  auto secs = [](Nanos d) { return std::chrono::duration<double>(d).count(); };
  nlohmann::json th = nlohmann::json::array();
  for (const auto &t : thresholds) th.push_back(t.text);
  if (!scenarios.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto &one : scenarios) list.push_back(one.to_json()["job"]);
    return {{"file", file},
            {"version", version},
            {"duration_s", secs(duration)},
            {"scenarios", list},
            {"thresholds", th}};
  }
  nlohmann::json stage_list = nlohmann::json::array();
  for (const auto &st : stages)
    stage_list.push_back(
        {{"duration_s", secs(st.duration)},
         {model == Model::closed ? "users" : "rate", st.target}});
  nlohmann::json job_json = {
      {"name", job},
      {"model", model == Model::closed ? "closed" : "open"},
      {"duration_s", secs(duration)},
      {"graceful_stop_s", secs(graceful_stop)},
      {"iteration_timeout_s", iteration_timeout.count()
                                  ? nlohmann::json(secs(iteration_timeout))
                                  : nlohmann::json()},
      {"tags", tag_keys},
      {"stages", stage_list}};
  if (!scenario.empty()) {
    job_json["scenario"] = scenario;
    job_json["start_after_s"] = secs(start_after);
  }
  if (model == Model::closed) {
    job_json["users"] = users;
    job_json["pacing_s"] = secs(pacing);
    job_json["think_time_s"] = secs(think_time);
  } else {
    job_json["arrival_rate"] = arrival_rate;
    job_json["max_users"] = max_users;
  }
  if (data)
    job_json["data"] = {{"file", data->file},
                        {"mode", data_mode_name(data->mode)},
                        {"columns", data->columns}};
  return {{"file", file},
          {"version", version},
          {"job", job_json},
          {"thresholds", th}};
}

}  // namespace golo::agent
