#include "golo/agent/closest.h"

#include <algorithm>

namespace golo::agent {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view word,
                    const std::vector<std::string> &candidates,
                    std::size_t max_distance) {
  const std::string *best = nullptr;
  std::size_t best_distance = std::string::npos;
  for (const auto &c : candidates)
    if (const std::size_t d = edit_distance(word, c); d < best_distance) {
      best = &c;
      best_distance = d;
    }
  return best && best_distance <= max_distance ? *best : std::string();
}

}  // namespace golo::agent
