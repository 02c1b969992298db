#include "golo/wire/layout.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace golo::wire {

namespace {

// Levenshtein distance, for the did-you-mean of a mistyped value.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const char *layout_name(GoLoLayout layout) {
  return layout == GoLoLayout::kCurrent ? "current" : "seed";
}

std::optional<GoLoLayout> parse_layout(std::string_view text) {
  if (text == "seed") return GoLoLayout::kSeed;
  if (text == "current") return GoLoLayout::kCurrent;
  return std::nullopt;
}

std::string unknown_layout_error(std::string_view flag, std::string_view text) {
  std::string near;
  std::size_t best = std::string::npos;
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char *name : {"seed", "current"}) {
    const std::size_t d = edit_distance(lower, name);
    // Close: a typo or two, or a different case.
    if (d < best && d <= std::max<std::size_t>(2, text.size() / 3)) {
      best = d;
      near = name;
    }
  }
  return std::string(flag) + ": unknown value \"" + std::string(text) + "\"" +
         (near.empty() ? "" : "; did you mean " + near + "?") +
         " (one of: seed, current)";
}

}  // namespace golo::wire
