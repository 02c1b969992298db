// golo run's dashboard flags (--dashboard [ADDR], --dashboard-public,
// --dashboard-wait), parsed by add_dashboard_flags.
#pragma once

#include <string>
#include <vector>

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

// The command line's words with each bare --dashboard bound to its value
// before CLI11 sees them: "--dashboard=WORD" when the next word looks like
// an address (HOST:PORT, :PORT, [V6]:PORT), else "--dashboard=" and the
// default address, so that `golo run --dashboard s.yaml` keeps its schedule.
std::vector<std::string> bind_dashboard_value(std::vector<std::string> args);

}  // namespace golo::cli::dashboard
