// golo-host's command line parsed as golo's is: a usage error (an unknown
// flag, a bad value) exits 2 with one line naming it, the flag meant when
// one is close, and the usage line; --help and --version exit 0.
#pragma once

#include <CLI/CLI.hpp>

namespace golo::host {

// -1 to go on; else the exit code, after saying why on stderr.
int parse_host_command_line(CLI::App &app, int argc, char **argv);

}  // namespace golo::host
