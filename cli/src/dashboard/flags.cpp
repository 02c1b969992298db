#include <CLI/CLI.hpp>
#include <regex>

#include "dashboard/options.h"

namespace golo::cli::dashboard {

namespace {

bool looks_like_address(const std::string &word) {
  static const std::regex address(
      R"((\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9._-]*):[0-9]+)");
  return std::regex_match(word, address);
}

}  // namespace

std::vector<std::string> bind_dashboard_value(std::vector<std::string> args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {  // positional from here on
      out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    if (args[i] != "--dashboard") {
      out.push_back(args[i]);
      continue;
    }
    const bool addr = i + 1 < args.size() && looks_like_address(args[i + 1]);
    // CLI11 reads "--dashboard=" as no value yet and takes the next word.
    out.push_back("--dashboard=" +
                  (addr ? args[++i] : std::string(kDefaultAddress)));
  }
  return out;
}

void add_dashboard_flags(CLI::App *run, Options &opts) {
  auto *dash =
      run->add_option_function<std::vector<std::string>>(
             "--dashboard",
             [&opts](const std::vector<std::string> &v) {
               opts.on = true;
               if (!v.empty() && !v[0].empty()) opts.addr = v[0];
             },
             std::string("serve a live dashboard of the run at ADDR "
                         "(--dashboard=ADDR, or a next word of the form "
                         "HOST:PORT or :PORT; default ") +
                 kDefaultAddress +
                 "; loopback only unless --dashboard-public); the final "
                 "report is downloadable from it at the end")
          ->expected(0, 1)
          ->type_name("[ADDR]");
  run->add_flag("--dashboard-public", opts.allow_public,
                "let --dashboard listen on a non-loopback address (it has no "
                "login: anyone who reaches it sees the run)")
      ->needs(dash);
  run->add_flag("--dashboard-wait", opts.wait,
                "keep the dashboard up after the run until Ctrl-C")
      ->needs(dash);
}

}  // namespace golo::cli::dashboard
