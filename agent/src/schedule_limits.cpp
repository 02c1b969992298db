#include "schedule_limits.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace golo::agent::detail {

void check_schedule_text(std::string_view yaml, std::string_view file) {
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
}

std::string echo(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxEcho))
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  if (text.size() > kMaxEcho) out += "...";
  return out;
}

bool decimal(const std::string &s) {
  const std::size_t start = s.starts_with("-") || s.starts_with("+") ? 1 : 0;
  return s.size() > start && s.size() - start <= 18 &&
         std::all_of(s.begin() + static_cast<long>(start), s.end(),
                     [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace golo::agent::detail
