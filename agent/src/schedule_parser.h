// The schedule's YAML read into a Schedule, piece by piece. Every message
// names the place in the file that is wrong (FILE:LINE:COLUMN).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "golo/agent/schedule.h"

namespace golo::agent::detail {

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Mark &m, const std::string &what) const;

  // The map's entries by key, refusing unknown and repeated keys.
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> entries(
      const YAML::Node &map, const std::string &what,
      const std::vector<std::string> &allowed) const;

  std::string text(const YAML::Node &n, const std::string &what) const;
  std::uint64_t count(const YAML::Node &n, const std::string &what,
                      bool allow_zero, std::uint64_t limit) const;
  // Integer seconds (go-lo) or a Go duration string.
  Nanos duration(const YAML::Node &n, const std::string &what,
                 bool allow_zero) const;
  // How a message shows a node: its text quoted, or "a list", ...
  std::string shown(const YAML::Node &n) const;

 private:
  std::string file_;
};

// What a job: mapping holds (and each entry of scenarios:, which may name
// its plugin with job: and start later with start_after), into `s`.
// `what` is how messages name the mapping: "job" or "scenarios.NAME".
void parse_job(const Parser &p, const YAML::Node &job_node,
               const std::string &what, bool in_scenarios, Schedule &s);

// scenarios: NAME -> job mapping, in file order; the whole run's fields
// (job names, latest end, every tag key) on `s`.
void parse_scenarios(const Parser &p, const YAML::Node &node, Schedule &s);

// thresholds: a list of strings; each one's mark, for later messages.
std::vector<YAML::Mark> parse_thresholds(const Parser &p,
                                         const YAML::Node &list, Schedule &s);

}  // namespace golo::agent::detail
