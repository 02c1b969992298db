// Did-you-mean: the one edit distance behind every suggestion golo makes
// for a mistyped word (CLI commands and flags, --go-lo-layout values,
// schedule keys).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace golo::agent {

// Levenshtein distance: insertions, deletions and substitutions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to word (the first of equals), or "" when even it
// is more than max_distance edits away.
std::string closest(std::string_view word,
                    const std::vector<std::string> &candidates,
                    std::size_t max_distance);

}  // namespace golo::agent
