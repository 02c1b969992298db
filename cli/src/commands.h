// The golo subcommands. Each returns the process exit code.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "dashboard/options.h"
#include "overrides.h"

namespace golo::cli {

struct CommonOptions {
  std::string host;  // --host, else default_host()
  std::chrono::milliseconds timeout{30000};
};

int trigger_command(const CommonOptions &opts, const std::string &job);
int plugins_command(const CommonOptions &opts, bool json);
int reload_command(const CommonOptions &opts, bool json);

struct RunOptions {
  std::string schedule_file;
  std::vector<std::string> hosts;  // never empty: main() adds the default
  std::vector<std::string> outs;   // --out values, TYPE=TARGET or FILE
  std::string remote_target;       // iterations as Job.Trigger RPCs to this
  bool quiet = false;
  bool allow_partial = false;    // run on the hosts that pass the pre-flight
  std::vector<std::string> env;  // -e KEY=VALUE, over the schedule's env:
  dashboard::Options dashboard;  // --dashboard [ADDR] and its flags
  Overrides overrides;           // --users, --duration, --rate, --pacing
  bool no_color = false;         // --no-color (NO_COLOR does the same)
};
int run_command(const RunOptions &opts);

struct PushOptions {
  std::string file;  // the plugin .so
  std::string conf;  // its settings, when given
  std::string job;   // empty: the file's base name
  std::vector<std::string> hosts;
};
int push_command(const PushOptions &opts, std::chrono::milliseconds timeout);
int remove_command(const std::string &job,
                   const std::vector<std::string> &hosts,
                   std::chrono::milliseconds timeout);

struct NewOptions {
  std::string name;  // the job: a C identifier
  std::string dir;   // empty: ./NAME
  std::string http;  // --http URL: an HTTP test of that URL
};
int new_command(const NewOptions &opts);

}  // namespace golo::cli
