#include "golo/wire/problem.h"

#include "golo/agent/utf8.h"

namespace golo::wire {

std::string problem_lines(const golo::Problem &problem,
                          const std::string &reason,
                          const std::string &indent) {
  // Each part escaped on its own: a host's text cannot add a line or move
  // the cursor; the line breaks are ours.
  constexpr std::size_t kMax = 2048;
  if (problem.primary().empty()) return agent::printable(reason, kMax);
  std::string out = agent::printable(problem.primary(), kMax);
  if (!problem.detail().empty())
    out += "\n" + indent + agent::printable(problem.detail(), kMax);
  if (!problem.hint().empty())
    out += "\n" + indent + "hint: " + agent::printable(problem.hint(), kMax);
  return out;
}

}  // namespace golo::wire
