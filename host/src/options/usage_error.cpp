#include "options/usage_error.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "golo/agent/closest.h"

namespace golo::host {

namespace {

// "unknown flag --X; did you mean --Y?" for the first flag the app does
// not have, or "" when every flag is one of its own.
std::string unknown_flag(const CLI::App &app, int argc, char **argv) {
  std::vector<std::string> names;
  for (const auto *opt : app.get_options())
    for (const auto &n : opt->get_lnames()) names.push_back("--" + n);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) continue;
    arg = arg.substr(0, arg.find('='));
    if (std::find(names.begin(), names.end(), arg) != names.end()) continue;
    const auto near = agent::closest(arg, names, 3);
    return "unknown flag " + arg +
           (near.empty() ? "" : "; did you mean " + near + "?");
  }
  return "";
}

}  // namespace

int parse_host_command_line(CLI::App &app, int argc, char **argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const std::string flag = unknown_flag(app, argc, argv);
    std::cerr << "golo-host: " << (flag.empty() ? e.what() : flag)
              << "\nusage: golo-host [--listen ADDR] [--plugins DIR] [FLAGS]"
                 "   (golo-host --help for every flag)\n";
    return 2;
  }
  return -1;
}

}  // namespace golo::host
