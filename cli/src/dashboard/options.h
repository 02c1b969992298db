// golo run's dashboard flags (--dashboard [ADDR], --dashboard-public,
// --dashboard-wait), parsed by add_dashboard_flags.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace golo::cli::dashboard {

inline constexpr const char *kDefaultAddress = "127.0.0.1:5665";

struct Options {
  bool on = false;
  std::string addr = kDefaultAddress;
  bool allow_public = false;
  bool wait = false;  // keep serving after the run until Ctrl-C
};

// Adds the flags to `run` (golo run), filling `opts` when parsed.
void add_dashboard_flags(CLI::App *run, Options &opts);

}  // namespace golo::cli::dashboard
