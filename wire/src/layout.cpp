#include "golo/wire/layout.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "golo/agent/closest.h"

namespace golo::wire {

const char *layout_name(GoLoLayout layout) {
  return layout == GoLoLayout::kCurrent ? "current" : "seed";
}

std::optional<GoLoLayout> parse_layout(std::string_view text) {
  if (text == "seed") return GoLoLayout::kSeed;
  if (text == "current") return GoLoLayout::kCurrent;
  return std::nullopt;
}

std::string unknown_layout_error(std::string_view flag, std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  // Close: a typo or two, or a different case.
  const std::string near = agent::closest(
      lower, {"seed", "current"}, std::max<std::size_t>(2, text.size() / 3));
  return std::string(flag) + ": unknown value \"" + std::string(text) + "\"" +
         (near.empty() ? "" : "; did you mean " + near + "?") +
         " (one of: seed, current)";
}

}  // namespace golo::wire
