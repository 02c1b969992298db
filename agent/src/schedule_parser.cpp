// The schedule's parts: data, stages, env, a job's keys, scenarios and
// thresholds (Parser's node readers are in schedule_parser_nodes.cpp).
#include "schedule_parser.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "schedule_limits.h"

namespace golo::agent::detail {

namespace {

// job.data: {file, mode, columns}; the file itself is read by golo run.
// `what` names the mapping that holds it: "job" or "scenarios.NAME".
DataSpec parse_data(const Parser &p, const YAML::Node &n,
                    const std::string &what) {
  const std::string name = what + ".data";
  const auto mark = [](const YAML::Mark &m) {
    return DataSpec::Mark{m.line + 1, m.column + 1};
  };
  if (!n.IsMap())
    p.fail(n.Mark(),
           name + " must be a mapping like {file: users.csv, mode: unique}");
  auto e = p.entries(n, name, {"file", "mode", "columns"});
  DataSpec d;
  d.mark = mark(n.Mark());
  if (!e.count("file"))
    p.fail(n.Mark(),
           name +
               " needs a file (CSV with a header row, relative to the "
               "schedule's directory)");
  d.file = p.text(e["file"].second, name + ".file");
  if (e.count("mode")) {
    const auto &m = e["mode"].second;
    const auto mode_name = p.text(m, name + ".mode");
    bool known = false;
    for (auto mode : {DataMode::sequential, DataMode::random, DataMode::unique,
                      DataMode::per_user})
      if (mode_name == data_mode_name(mode)) {
        d.mode = mode;
        known = true;
      }
    if (!known)
      p.fail(m.Mark(),
             name +
                 ".mode must be sequential, random, unique or per_user, "
                 "not \"" +
                 mode_name + "\"");
  }
  if (e.count("columns")) {
    const auto &list = e["columns"].second;
    if (!list.IsSequence() || list.size() == 0)
      p.fail(list.Mark(),
             name +
                 ".columns must be a non-empty list of the file's column "
                 "names");
    if (list.size() > kMaxDataColumns)
      p.fail(list.Mark(),
             name + ".columns lists " + std::to_string(list.size()) +
                 " columns; the limit is " + std::to_string(kMaxDataColumns));
    std::set<std::string> seen;
    for (const auto &item : list) {
      auto column = p.text(item, "a column name");
      if (!seen.insert(column).second)
        p.fail(item.Mark(), "column \"" + echo(column) + "\" is listed twice");
      d.columns.push_back(std::move(column));
      d.column_marks.push_back(mark(item.Mark()));
    }
  }
  return d;
}

std::vector<Stage> parse_stages(const Parser &p, const YAML::Node &n,
                                const std::string &what,
                                const std::string &target_key,
                                std::uint64_t limit) {
  if (!n.IsSequence() || n.size() == 0)
    p.fail(n.Mark(), what + " must be a non-empty list of {duration, " +
                         target_key + "}");
  if (n.size() > kMaxStages)
    p.fail(n.Mark(), what + " has " + std::to_string(n.size()) +
                         " stages; the limit is " + std::to_string(kMaxStages));
  std::vector<Stage> stages;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string name = what + "[" + std::to_string(i) + "]";
    auto e = p.entries(n[i], name, {"duration", target_key});
    if (!e.count("duration")) p.fail(n[i].Mark(), name + " needs a duration");
    if (!e.count(target_key))
      p.fail(n[i].Mark(), name + " needs " + target_key);
    stages.push_back(
        {p.duration(e["duration"].second, name + ".duration", false),
         p.count(e[target_key].second, name + "." + target_key, true, limit)});
  }
  return stages;
}

// env: a map of strings, each entry checked as host->env's.
RunEnv parse_env(const Parser &p, const YAML::Node &n,
                 const std::string &what) {
  if (!n.IsMap()) p.fail(n.Mark(), what + " must be a map of KEY: value");
  if (n.size() > kMaxEnvEntries)
    p.fail(n.Mark(), what + " has " + std::to_string(n.size()) +
                         " entries; the limit is " +
                         std::to_string(kMaxEnvEntries));
  RunEnv env;
  for (const auto &kv : n) {
    if (!kv.second.IsScalar())
      p.fail(kv.second.Mark(), what + " values must be strings");
    const std::string key = kv.first.as<std::string>();
    if (auto why = env_problem(key, kv.second.Scalar()); !why.empty())
      p.fail(kv.first.Mark(), what + ": " + why);
    env[key] = kv.second.Scalar();
  }
  return env;
}

// A job: mapping's entries, and how messages name them.
struct JobEntries {
  const Parser &p;
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> e;
  const YAML::Node &node;
  const std::string &what;

  bool has(const char *k) const { return e.count(k) != 0; }
  const YAML::Node &value(const char *k) { return e[k].second; }
  YAML::Mark mark(const char *k) { return e[k].first.Mark(); }
  std::string key(const char *k) const { return what + "." + k; }
};

std::vector<std::string> job_keys(bool in_scenarios) {
  std::vector<std::string> allowed = {
      "name",       "users",         "duration",     "pacing",
      "think_time", "stages",        "arrival_rate", "rate_stages",
      "max_users",  "graceful_stop", "tags",         "iteration_timeout"};
  if (in_scenarios) {
    allowed.push_back("job");
    allowed.push_back("start_after");
  }
  allowed.push_back("data");
  allowed.push_back("env");
  allowed.push_back("http2");
  return allowed;
}

// job: (in scenarios:) or name:, the plugin to run.
void parse_plugin(JobEntries &job, bool in_scenarios, Schedule &s) {
  if (job.has("job") && job.has("name"))
    job.p.fail(job.mark("name"), job.what +
                                     " names its plugin twice: job and name "
                                     "are the same thing; keep job");
  const char *plugin = job.has("job") ? "job" : "name";
  if (!job.has(plugin))
    job.p.fail(job.node.Mark(),
               job.what + (in_scenarios ? " needs a job (the plugin to run)"
                                        : " needs a name (the plugin to run)"));
  s.job = job.p.text(job.value(plugin), job.key(plugin));
}

void parse_closed(JobEntries &job, Schedule &s) {
  const Parser &p = job.p;
  if (job.has("users"))
    s.users = p.count(job.value("users"), job.key("users"), false, kMaxUsers);
  if (job.has("stages"))
    s.stages = parse_stages(p, job.value("stages"), job.key("stages"), "users",
                            kMaxUsers);
  if (job.has("max_users"))
    p.fail(job.mark("max_users"),
           "max_users applies only to the open model (arrival_rate or "
           "rate_stages)");
  if (job.has("pacing"))
    s.pacing = p.duration(job.value("pacing"), job.key("pacing"), true);
  if (job.has("think_time"))
    s.think_time =
        p.duration(job.value("think_time"), job.key("think_time"), true);
}

void parse_open(JobEntries &job, Schedule &s) {
  const Parser &p = job.p;
  if (job.has("arrival_rate"))
    s.arrival_rate = p.count(job.value("arrival_rate"), job.key("arrival_rate"),
                             false, kMaxRate);
  if (job.has("rate_stages"))
    s.stages = parse_stages(p, job.value("rate_stages"), job.key("rate_stages"),
                            "rate", kMaxRate);
  if (!job.has("max_users"))
    p.fail(job.mark(job.has("arrival_rate") ? "arrival_rate" : "rate_stages"),
           "an arrival rate needs max_users (the most iterations in flight "
           "at once)");
  s.max_users =
      p.count(job.value("max_users"), job.key("max_users"), false, kMaxUsers);
  for (const char *k : {"pacing", "think_time"})
    if (job.has(k))
      p.fail(job.mark(k), std::string(k) +
                              " applies only to the closed model (users or "
                              "stages); the arrival rate paces an open model");
  s.pacing = Nanos(0);
}

// users/stages (closed model) or arrival_rate/rate_stages (open model).
void parse_model(JobEntries &job, Schedule &s) {
  const bool closed = job.has("users") || job.has("stages");
  const bool open = job.has("arrival_rate") || job.has("rate_stages");
  if (closed && open)
    job.p.fail(
        job.mark(job.has("arrival_rate") ? "arrival_rate" : "rate_stages"),
        "arrival_rate/rate_stages (open model) cannot be combined with "
        "users/stages (closed model)");
  if (!closed && !open)
    job.p.fail(job.node.Mark(),
               job.what + " needs users, stages, arrival_rate or rate_stages");
  s.model = open ? Model::open : Model::closed;
  if (s.model == Model::closed)
    parse_closed(job, s);
  else
    parse_open(job, s);
}

// How long the run lasts: its stages, else duration.
void parse_length(JobEntries &job, Schedule &s) {
  const bool open = s.model == Model::open;
  if (!s.stages.empty()) {
    if (job.has("duration"))
      job.p.fail(job.mark("duration"),
                 "duration cannot be combined with stages: the run lasts as "
                 "long as its stages");
    s.duration = Nanos(0);
    for (const auto &st : s.stages) s.duration += st.duration;
    std::uint64_t peak = open ? s.arrival_rate : s.users;
    for (const auto &st : s.stages) peak = std::max(peak, st.target);
    if (peak == 0)
      job.p.fail(job.mark(open ? "rate_stages" : "stages"),
                 "the stages never go above 0");
  } else {
    if (!job.has("duration"))
      job.p.fail(job.node.Mark(), job.what + " needs a duration");
    s.duration =
        job.p.duration(job.value("duration"), job.key("duration"), false);
  }
}

void parse_tags(const Parser &p, const YAML::Node &list,
                const std::string &what, Schedule &s) {
  if (!list.IsSequence())
    p.fail(list.Mark(), what + " must be a list of tag keys");
  if (list.size() > kMaxTagKeys)
    p.fail(list.Mark(), what + " lists " + std::to_string(list.size()) +
                            " keys; the limit is " +
                            std::to_string(kMaxTagKeys));
  s.tag_keys.clear();
  std::set<std::string> seen;
  for (const auto &item : list) {
    auto tag = p.text(item, "a tag key");
    if (!seen.insert(tag).second)
      p.fail(item.Mark(), "tag key \"" + echo(tag) + "\" is listed twice");
    s.tag_keys.push_back(std::move(tag));
  }
}

// The keys every job takes: when it starts and stops, its data, env, tags.
void parse_job_rest(JobEntries &job, bool in_scenarios, Schedule &s) {
  const Parser &p = job.p;
  if (job.has("start_after"))
    s.start_after =
        p.duration(job.value("start_after"), job.key("start_after"), true);
  if (job.has("graceful_stop"))
    s.graceful_stop =
        p.duration(job.value("graceful_stop"), job.key("graceful_stop"), true);
  if (job.has("iteration_timeout"))
    s.iteration_timeout = p.duration(job.value("iteration_timeout"),
                                     job.key("iteration_timeout"), false);
  if (job.has("data")) s.data = parse_data(p, job.value("data"), job.what);
  if (job.has("env")) s.env = parse_env(p, job.value("env"), job.key("env"));
  if (job.has("http2")) {
    const auto &v = job.value("http2");
    const std::string text = v.IsScalar() ? v.Scalar() : "";
    if (text != "true" && text != "false")
      p.fail(v.Mark(), job.key("http2") + " must be true or false");
    s.http2 = text == "true";
  }
  if (job.has("tags")) parse_tags(p, job.value("tags"), job.key("tags"), s);
  // A scenario's iterations always group by it: its tag is what tells the
  // scenarios apart in the results.
  if (in_scenarios && std::find(s.tag_keys.begin(), s.tag_keys.end(),
                                kScenarioTag) == s.tag_keys.end())
    s.tag_keys.emplace_back(kScenarioTag);
}

}  // namespace

void parse_job(const Parser &p, const YAML::Node &job_node,
               const std::string &what, bool in_scenarios, Schedule &s) {
  JobEntries job{p, p.entries(job_node, what, job_keys(in_scenarios)), job_node,
                 what};
  parse_plugin(job, in_scenarios, s);
  parse_model(job, s);
  parse_length(job, s);
  parse_job_rest(job, in_scenarios, s);
}

namespace {

// A scenario's name becomes a tag value and a word in messages and files.
bool plain_name(const std::string &name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' &&
        c != '.')
      return false;
  return true;
}

}  // namespace

void parse_scenarios(const Parser &p, const YAML::Node &node, Schedule &s) {
  if (!node.IsMap() || node.size() == 0)
    p.fail(node.Mark(),
           "scenarios must be a mapping from a scenario name to its job "
           "(job, users or arrival_rate, duration, ...)");
  if (node.size() > kMaxScenarios)
    p.fail(node.Mark(), "scenarios has " + std::to_string(node.size()) +
                            " entries; the limit is " +
                            std::to_string(kMaxScenarios));
  std::set<std::string> seen;
  for (const auto &kv : node) {
    if (!kv.first.IsScalar() || !plain_name(kv.first.Scalar()))
      p.fail(kv.first.Mark(),
             "a scenario name is 1 to 64 letters, digits, '_', '-' or '.', "
             "not " +
                 p.shown(kv.first));
    const std::string name = kv.first.Scalar();
    if (!seen.insert(name).second)
      p.fail(kv.first.Mark(), "duplicate scenario \"" + name + "\"");
    Schedule one;
    one.file = s.file;
    one.version = s.version;
    one.scenario = name;
    one.tag_keys = default_tag_keys();
    parse_job(p, kv.second, "scenarios." + name, true, one);
    s.scenarios.push_back(std::move(one));
  }
  // The run as a whole, for what is said about it before and after.
  s.tag_keys.clear();
  s.duration = Nanos(0);
  std::set<std::string> jobs;
  for (const auto &one : s.scenarios) {
    if (jobs.insert(one.job).second)
      s.job += (s.job.empty() ? "" : ",") + one.job;
    s.duration = std::max(s.duration, one.length());
    for (const auto &k : one.tag_keys)
      if (std::find(s.tag_keys.begin(), s.tag_keys.end(), k) ==
          s.tag_keys.end())
        s.tag_keys.push_back(k);
  }
}

std::vector<YAML::Mark> parse_thresholds(const Parser &p,
                                         const YAML::Node &list, Schedule &s) {
  if (!list.IsSequence())
    p.fail(list.Mark(),
           "thresholds must be a list of strings like \"p99 < 250ms\"");
  if (list.size() > kMaxThresholds)
    p.fail(list.Mark(), "thresholds has " + std::to_string(list.size()) +
                            " entries; the limit is " +
                            std::to_string(kMaxThresholds));
  std::vector<YAML::Mark> marks;
  for (const auto &item : list) {
    marks.push_back(item.Mark());
    try {
      s.thresholds.push_back(Threshold::parse(p.text(item, "a threshold")));
    } catch (const std::invalid_argument &e) {
      if (std::string_view(e.what()).starts_with(s.file + ":")) throw;
      p.fail(item.Mark(), e.what());
    }
  }
  return marks;
}

}  // namespace golo::agent::detail
