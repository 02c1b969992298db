#include "golo/agent/schedule.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "golo/agent/duration.h"

namespace golo::agent {

namespace {

constexpr std::uint64_t kMaxUsers = 100'000;  // one thread each
constexpr std::uint64_t kMaxRate = 10'000'000;
// Caps that keep what a schedule costs to parse and to run proportional to
// its text (a host parses a caller's schedule before anything else).
constexpr std::size_t kMaxScenarios = 256;
constexpr std::size_t kMaxThresholds = 256;
constexpr std::size_t kMaxStages = 1000;
constexpr std::size_t kMaxTagKeys = 64;
constexpr std::size_t kMaxDataColumns = 1024;
// Lines, ',', ':', '[', '{' and '-' in a schedule's text (a bound on its
// YAML nodes).
constexpr std::size_t kMaxYamlSeparators = 20000;
// One limit for every duration, whatever its unit: 100 days.
constexpr Nanos kMaxDuration = std::chrono::hours(24 * 100);
// Caller text quoted in a message is cut to this.
constexpr std::size_t kMaxEcho = 64;

// `text` as a message quotes it: at most kMaxEcho characters, control
// characters as '?'.
std::string echo(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxEcho))
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  if (text.size() > kMaxEcho) out += "...";
  return out;
}

// Whole numbers in decimal only: YAML would also take 0x10 and 0o20.
bool decimal(const std::string &s) {
  const std::size_t start = s.starts_with("-") || s.starts_with("+") ? 1 : 0;
  return s.size() > start && s.size() - start <= 18 &&
         std::all_of(s.begin() + static_cast<long>(start), s.end(),
                     [](unsigned char c) { return std::isdigit(c); });
}

// Every message names the place in the file that is wrong.
class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Mark &m, const std::string &what) const {
    const int line = m.is_null() ? 1 : m.line + 1;
    const int column = m.is_null() ? 1 : m.column + 1;
    throw std::invalid_argument(file_ + ":" + std::to_string(line) + ":" +
                                std::to_string(column) + ": " + what);
  }

  // The map's entries by key, refusing unknown and repeated keys.
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> entries(
      const YAML::Node &map, const std::string &what,
      const std::vector<std::string> &allowed) const {
    if (!map.IsMap()) fail(map.Mark(), what + " must be a mapping");
    std::map<std::string, std::pair<YAML::Node, YAML::Node>> out;
    for (const auto &kv : map) {
      if (!kv.first.IsScalar())
        fail(kv.first.Mark(), "keys must be plain words");
      const auto key = kv.first.Scalar();
      bool known = false;
      for (const auto &a : allowed) known = known || a == key;
      if (!known) {
        std::string list;
        for (const auto &a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first.Mark(), "unknown key \"" + echo(key) + "\" in " + what +
                                  " (allowed: " + list + ")");
      }
      if (!out.emplace(key, std::pair{kv.first, kv.second}).second)
        fail(kv.first.Mark(), "duplicate key \"" + key + "\" in " + what);
    }
    return out;
  }

  std::string text(const YAML::Node &n, const std::string &what) const {
    if (!n.IsScalar() || n.Scalar().empty())
      fail(n.Mark(), what + " must be a non-empty string");
    return n.Scalar();
  }

  std::uint64_t count(const YAML::Node &n, const std::string &what,
                      bool allow_zero, std::uint64_t limit) const {
    long long v = 0;
    if (!n.IsScalar() || !decimal(n.Scalar()) ||
        !YAML::convert<long long>::decode(n, v))
      fail(n.Mark(), what + " must be a whole number, not " + shown(n));
    if (v < 0 || (v == 0 && !allow_zero))
      fail(n.Mark(), what + " must be " +
                         (allow_zero ? "0 or more" : "at least 1") + ", not " +
                         std::to_string(v));
    if (static_cast<std::uint64_t>(v) > limit)
      fail(n.Mark(), what + " must be at most " + std::to_string(limit) +
                         ", not " + std::to_string(v));
    return static_cast<std::uint64_t>(v);
  }

  // Integer seconds (go-lo) or a Go duration string.
  Nanos duration(const YAML::Node &n, const std::string &what,
                 bool allow_zero) const {
    if (!n.IsScalar())
      fail(n.Mark(), what + " must be a duration like 250ms, 5s or 1m30s");
    long long seconds = 0;
    Nanos d{0};
    if (decimal(n.Scalar()) && YAML::convert<long long>::decode(n, seconds)) {
      if (seconds < 0) fail(n.Mark(), what + " must not be negative");
      if (seconds > 100LL * 24 * 3600) seconds = 100LL * 24 * 3600 + 1;
      d = std::chrono::seconds(seconds);
    } else {
      std::string why;
      const auto parsed = parse_duration(n.Scalar(), &why);
      if (!parsed) fail(n.Mark(), what + ": " + why);
      d = *parsed;
    }
    if (d > kMaxDuration)
      fail(n.Mark(), what + " is longer than the limit of 100 days (2400h)");
    if (d.count() == 0 && !allow_zero)
      fail(n.Mark(), what + " must be longer than 0");
    return d;
  }

  std::string shown(const YAML::Node &n) const {
    if (n.IsScalar()) return "\"" + echo(n.Scalar()) + "\"";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return "nothing";
  }

 private:
  std::string file_;
};

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

}  // namespace

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

// What a job: mapping holds (and each entry of scenarios:, which may name
// its plugin with job: and start later with start_after), into `s`.
// `what` is how messages name the mapping: "job" or "scenarios.NAME".
void parse_job(const Parser &p, const YAML::Node &job_node,
               const std::string &what, bool in_scenarios, Schedule &s) {
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
  auto job = p.entries(job_node, what, allowed);
  auto key_mark = [&](const char *k) { return job[k].first.Mark(); };
  const auto key = [&](const char *k) { return what + "." + k; };
  if (job.count("job") && job.count("name"))
    p.fail(key_mark("name"), what +
                                 " names its plugin twice: job and name are "
                                 "the same thing; keep job");
  const char *plugin = job.count("job") ? "job" : "name";
  if (!job.count(plugin))
    p.fail(job_node.Mark(),
           what + (in_scenarios ? " needs a job (the plugin to run)"
                                : " needs a name (the plugin to run)"));
  s.job = p.text(job[plugin].second, key(plugin));

  const bool closed = job.count("users") || job.count("stages");
  const bool open = job.count("arrival_rate") || job.count("rate_stages");
  if (closed && open)
    p.fail(key_mark(job.count("arrival_rate") ? "arrival_rate" : "rate_stages"),
           "arrival_rate/rate_stages (open model) cannot be combined with "
           "users/stages (closed model)");
  if (!closed && !open)
    p.fail(job_node.Mark(),
           what + " needs users, stages, arrival_rate or rate_stages");
  s.model = open ? Model::open : Model::closed;

  if (s.model == Model::closed) {
    if (job.count("users"))
      s.users = p.count(job["users"].second, key("users"), false, kMaxUsers);
    if (job.count("stages"))
      s.stages = parse_stages(p, job["stages"].second, key("stages"), "users",
                              kMaxUsers);
    for (const char *k : {"max_users"})
      if (job.count(k))
        p.fail(key_mark(k), std::string(k) +
                                " applies only to the open model (arrival_rate "
                                "or rate_stages)");
    if (job.count("pacing"))
      s.pacing = p.duration(job["pacing"].second, key("pacing"), true);
    if (job.count("think_time"))
      s.think_time =
          p.duration(job["think_time"].second, key("think_time"), true);
  } else {
    if (job.count("arrival_rate"))
      s.arrival_rate = p.count(job["arrival_rate"].second, key("arrival_rate"),
                               false, kMaxRate);
    if (job.count("rate_stages"))
      s.stages = parse_stages(p, job["rate_stages"].second, key("rate_stages"),
                              "rate", kMaxRate);
    if (!job.count("max_users"))
      p.fail(
          key_mark(job.count("arrival_rate") ? "arrival_rate" : "rate_stages"),
          "an arrival rate needs max_users (the most iterations in flight "
          "at once)");
    s.max_users =
        p.count(job["max_users"].second, key("max_users"), false, kMaxUsers);
    for (const char *k : {"pacing", "think_time"})
      if (job.count(k))
        p.fail(key_mark(k),
               std::string(k) +
                   " applies only to the closed model (users or "
                   "stages); the arrival rate paces an open model");
    s.pacing = Nanos(0);
  }

  if (!s.stages.empty()) {
    if (job.count("duration"))
      p.fail(key_mark("duration"),
             "duration cannot be combined with stages: the run lasts as long "
             "as its stages");
    s.duration = Nanos(0);
    for (const auto &st : s.stages) s.duration += st.duration;
    std::uint64_t peak = open ? s.arrival_rate : s.users;
    for (const auto &st : s.stages) peak = std::max(peak, st.target);
    if (peak == 0)
      p.fail(key_mark(open ? "rate_stages" : "stages"),
             "the stages never go above 0");
  } else {
    if (!job.count("duration"))
      p.fail(job_node.Mark(), what + " needs a duration");
    s.duration = p.duration(job["duration"].second, key("duration"), false);
  }
  if (job.count("start_after"))
    s.start_after =
        p.duration(job["start_after"].second, key("start_after"), true);
  if (job.count("graceful_stop"))
    s.graceful_stop =
        p.duration(job["graceful_stop"].second, key("graceful_stop"), true);
  if (job.count("iteration_timeout"))
    s.iteration_timeout = p.duration(job["iteration_timeout"].second,
                                     key("iteration_timeout"), false);
  if (job.count("data")) s.data = parse_data(p, job["data"].second, what);
  if (job.count("env")) s.env = parse_env(p, job["env"].second, key("env"));
  if (job.count("http2")) {
    const auto &v = job["http2"].second;
    const std::string text = v.IsScalar() ? v.Scalar() : "";
    if (text != "true" && text != "false")
      p.fail(v.Mark(), key("http2") + " must be true or false");
    s.http2 = text == "true";
  }
  if (job.count("tags")) {
    const auto &list = job["tags"].second;
    if (!list.IsSequence())
      p.fail(list.Mark(), key("tags") + " must be a list of tag keys");
    if (list.size() > kMaxTagKeys)
      p.fail(list.Mark(),
             key("tags") + " lists " + std::to_string(list.size()) +
                 " keys; the limit is " + std::to_string(kMaxTagKeys));
    s.tag_keys.clear();
    std::set<std::string> seen;
    for (const auto &item : list) {
      auto tag = p.text(item, "a tag key");
      if (!seen.insert(tag).second)
        p.fail(item.Mark(), "tag key \"" + echo(tag) + "\" is listed twice");
      s.tag_keys.push_back(std::move(tag));
    }
  }
  // A scenario's iterations always group by it: its tag is what tells the
  // scenarios apart in the results.
  if (in_scenarios && std::find(s.tag_keys.begin(), s.tag_keys.end(),
                                kScenarioTag) == s.tag_keys.end())
    s.tag_keys.emplace_back(kScenarioTag);
}

// A scenario's name becomes a tag value and a word in messages and files.
bool plain_name(const std::string &name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' &&
        c != '.')
      return false;
  return true;
}

// scenarios: NAME -> job mapping, in file order; the whole run's fields
// (job names, latest end, every tag key) on `s`.
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

}  // namespace

Schedule Schedule::parse(std::string_view yaml, std::string_view file) {
  if (yaml.size() > kMaxScheduleBytes)
    throw std::invalid_argument(schedule_too_large(file, yaml.size()));
  // yaml-cpp builds the whole document before any check of ours: a
  // megabyte of "[1,1,1,...]" is half a million nodes, hundreds of MiB.
  // Every node but the first needs one of these characters before it, so
  // counting them bounds the tree before it exists.
  const auto separators = std::count_if(yaml.begin(), yaml.end(), [](char c) {
    return c == ',' || c == '\n' || c == ':' || c == '[' || c == '{' ||
           c == '-';
  });
  if (separators > static_cast<std::ptrdiff_t>(kMaxYamlSeparators))
    throw std::invalid_argument(
        std::string(file) + ": the schedule has " + std::to_string(separators) +
        " lines, list items and keys; the limit is " +
        std::to_string(kMaxYamlSeparators) +
        " (256 scenarios and 256 thresholds fit in a tenth of it)");
  const Parser p{std::string(file)};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException &e) {
    p.fail(e.mark, e.msg);
  }
  if (!root.IsDefined() || root.IsNull())
    p.fail(YAML::Mark::null_mark(), "empty schedule (expected a job: mapping)");

  Schedule s;
  s.file = file;
  s.tag_keys = default_tag_keys();
  auto top = p.entries(root, "the schedule",
                       {"version", "job", "scenarios", "thresholds"});
  std::vector<YAML::Mark> threshold_marks;
  if (top.count("version"))
    s.version = p.text(top["version"].second, "version");
  if (top.count("job") && top.count("scenarios"))
    p.fail(top["scenarios"].first.Mark(),
           "a schedule holds job: (one scenario) or scenarios:, not both");
  if (!top.count("job") && !top.count("scenarios"))
    p.fail(root.Mark(), "missing job: mapping (or scenarios:)");
  if (top.count("thresholds")) {
    const auto &list = top["thresholds"].second;
    if (!list.IsSequence())
      p.fail(list.Mark(),
             "thresholds must be a list of strings like \"p99 < 250ms\"");
    if (list.size() > kMaxThresholds)
      p.fail(list.Mark(), "thresholds has " + std::to_string(list.size()) +
                              " entries; the limit is " +
                              std::to_string(kMaxThresholds));
    for (const auto &item : list) {
      threshold_marks.push_back(item.Mark());
      try {
        s.thresholds.push_back(Threshold::parse(p.text(item, "a threshold")));
      } catch (const std::invalid_argument &e) {
        if (std::string_view(e.what()).starts_with(s.file + ":")) throw;
        p.fail(item.Mark(), e.what());
      }
    }
  }

  if (top.count("job"))
    parse_job(p, top["job"].second, "job", false, s);
  else
    parse_scenarios(p, top["scenarios"].second, s);
  // The thresholds stay on the whole run (they judge it as a whole); a copy
  // in every scenario cost scenarios x thresholds copies of caller text.

  // A selector picks tag sets, so it may name only keys that make them.
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
  if (t < start_after) return 0;
  t -= start_after;
  double level =
      static_cast<double>(model == Model::closed ? users : arrival_rate);
  Nanos start{0};
  for (const auto &st : stages) {
    const auto target = static_cast<double>(st.target);
    if (t < start + st.duration) {
      const double f = std::chrono::duration<double>(t - start) / st.duration;
      return level + (target - level) * std::max(0.0, f);
    }
    level = target;
    start += st.duration;
  }
  return level;
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
  nlohmann::json job = {
      {"name", this->job},
      {"model", model == Model::closed ? "closed" : "open"},
      {"duration_s", secs(duration)},
      {"graceful_stop_s", secs(graceful_stop)},
      {"iteration_timeout_s", iteration_timeout.count()
                                  ? nlohmann::json(secs(iteration_timeout))
                                  : nlohmann::json()},
      {"tags", tag_keys},
      {"stages", stage_list}};
  if (!scenario.empty()) {
    job["scenario"] = scenario;
    job["start_after_s"] = secs(start_after);
  }
  if (model == Model::closed) {
    job["users"] = users;
    job["pacing_s"] = secs(pacing);
    job["think_time_s"] = secs(think_time);
  } else {
    job["arrival_rate"] = arrival_rate;
    job["max_users"] = max_users;
  }
  if (data)
    job["data"] = {{"file", data->file},
                   {"mode", data_mode_name(data->mode)},
                   {"columns", data->columns}};
  return {
      {"file", file}, {"version", version}, {"job", job}, {"thresholds", th}};
}

}  // namespace golo::agent
