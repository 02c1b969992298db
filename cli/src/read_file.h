// Reading a whole file for the CLI, with the one error wording every
// command uses: "cannot read FILE: REASON".
#pragma once

#include <cstddef>
#include <limits>
#include <string>

namespace golo::cli {

// Reads path into out, at most max_bytes of it (a caller that must refuse a
// file over a limit asks for limit + 1 and compares). Returns "" on
// success, else "cannot read PATH: REASON" (the system's reason, or "it is
// a directory").
std::string read_file(
    const std::string &path, std::string &out,
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace golo::cli
