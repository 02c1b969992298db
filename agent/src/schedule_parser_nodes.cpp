// Parser's readers of single YAML nodes: each checks one value and names
// where it is when it is wrong.
#include <stdexcept>

#include "golo/agent/duration.h"
#include "schedule_limits.h"
#include "schedule_parser.h"
#include "spelling_hints.h"

namespace golo::agent::detail {

void Parser::fail(const YAML::Mark &m, const std::string &what) const {
  const int line = m.is_null() ? 1 : m.line + 1;
  const int column = m.is_null() ? 1 : m.column + 1;
  throw std::invalid_argument(file_ + ":" + std::to_string(line) + ":" +
                              std::to_string(column) + ": " + what);
}

std::map<std::string, std::pair<YAML::Node, YAML::Node>> Parser::entries(
    const YAML::Node &map, const std::string &what,
    const std::vector<std::string> &allowed) const {
  if (!map.IsMap()) fail(map.Mark(), what + " must be a mapping");
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> out;
  for (const auto &kv : map) {
    if (!kv.first.IsScalar()) fail(kv.first.Mark(), "keys must be plain words");
    const auto key = kv.first.Scalar();
    bool known = false;
    for (const auto &a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (const auto &a : allowed) list += (list.empty() ? "" : ", ") + a;
      const std::string value = kv.second.IsScalar() ? kv.second.Scalar() : "";
      fail(kv.first.Mark(), "unknown key \"" + echo(key) + "\" in " + what +
                                key_hint(key, allowed, value) +
                                " (allowed: " + list + ")");
    }
    if (!out.emplace(key, std::pair{kv.first, kv.second}).second)
      fail(kv.first.Mark(), "duplicate key \"" + key + "\" in " + what);
  }
  return out;
}

std::string Parser::text(const YAML::Node &n, const std::string &what) const {
  if (!n.IsScalar() || n.Scalar().empty())
    fail(n.Mark(), what + " must be a non-empty string");
  return n.Scalar();
}

std::uint64_t Parser::count(const YAML::Node &n, const std::string &what,
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

Nanos Parser::duration(const YAML::Node &n, const std::string &what,
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

std::string Parser::shown(const YAML::Node &n) const {
  if (n.IsScalar()) return "\"" + echo(n.Scalar()) + "\"";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}

}  // namespace golo::agent::detail
