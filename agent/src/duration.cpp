#include "golo/agent/duration.h"

#include <cmath>
#include <cstdio>

namespace golo::agent {

namespace {

// Nanoseconds per unit, longest spellings first so "ms" wins over "m".
struct Unit {
  std::string_view name;
  double ns;
};
constexpr Unit kUnits[] = {{"ns", 1},    {"us", 1e3}, {"\xC2\xB5s", 1e3},
                           {"ms", 1e6},  {"s", 1e9},  {"m", 60e9},
                           {"h", 3600e9}};

bool fail(std::string *why, std::string msg) {
  if (why) *why = std::move(msg);
  return false;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text,
                                                       std::string *why) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) {
    fail(why, "empty duration");
    return std::nullopt;
  }
  if (text.front() == '-') {
    fail(why, "negative duration " + quoted);
    return std::nullopt;
  }
  if (text.front() == '+') text.remove_prefix(1);
  if (text == "0") return std::chrono::nanoseconds(0);
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (
        i < text.size() &&
        (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    const std::string number(text.substr(start, i - start));
    if (number.empty() || number == "." ||
        number.find('.') != number.rfind('.')) {
      fail(why, "invalid duration " + quoted +
                    " (expected e.g. 250ms, 5s, 1m30s, 1h)");
      return std::nullopt;
    }
    const Unit *unit = nullptr;
    for (const auto &u : kUnits)
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    if (!unit) {
      fail(why, "missing or unknown unit in duration " + quoted +
                    " (units: ns, us, ms, s, m, h)");
      return std::nullopt;
    }
    i += unit->name.size();
    total += std::stod(number) * unit->ns;
  }
  if (total > 1e18) {
    fail(why, "duration " + quoted + " is too long");
    return std::nullopt;
  }
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(std::llround(total)));
}

std::string format_duration(double ns) {
  char buf[64];
  const double a = std::fabs(ns);
  if (a < 1e3)
    std::snprintf(buf, sizeof buf, "%.0fns", ns);
  else if (a < 1e6)
    std::snprintf(buf, sizeof buf, "%.1fus", ns / 1e3);
  else if (a < 1e9)
    std::snprintf(buf, sizeof buf, "%.1fms", ns / 1e6);
  else if (a < 60e9)
    std::snprintf(buf, sizeof buf, "%.2fs", ns / 1e9);
  else {
    const auto s = static_cast<long long>(std::llround(ns / 1e9));
    if (s >= 3600)
      std::snprintf(buf, sizeof buf, "%lldh%lldm%llds", s / 3600, s / 60 % 60,
                    s % 60);
    else
      std::snprintf(buf, sizeof buf, "%lldm%llds", s / 60, s % 60);
  }
  return buf;
}

}  // namespace golo::agent
