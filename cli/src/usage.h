// How golo talks about its own command line: the usage line and an example
// per command, "did you mean" for a mistyped command or flag, `golo help
// COMMAND`, and exit code 2 for every usage error.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace golo::cli {

// Gives each subcommand of app that has an example a footer showing it (so
// `golo CMD --help` ends with one), and adds `golo help [COMMAND]`. Call
// after every subcommand has been added.
void add_help(CLI::App &app);

// Parses argv. Returns -1 when the command should run; otherwise the exit
// code, after printing: 0 for --help, --version and `golo help`, 2 for a
// usage error (the error, a suggestion when one is close, the usage line).
int parse_command_line(CLI::App &app, int argc, char **argv);

// The closest of candidates to word, or "" when none is close enough to
// suggest (exposed for tests).
std::string closest(const std::string &word,
                    const std::vector<std::string> &candidates);

}  // namespace golo::cli
