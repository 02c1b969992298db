// golo run SCHEDULE: filled in with the schedules work.
#include <iostream>

#include "commands.h"

namespace golo::cli {
int run_command(const RunOptions &) {
  std::cerr << "golo run: not available yet\n";
  return 2;
}
}  // namespace golo::cli
