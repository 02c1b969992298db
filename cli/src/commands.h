// The golo subcommands. Each returns the process exit code.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace golo::cli {

struct CommonOptions {
  std::string host = "127.0.0.1:9999";
  std::chrono::milliseconds timeout{30000};
};

int trigger_command(const CommonOptions &opts, const std::string &job);
int plugins_command(const CommonOptions &opts, bool json);
int reload_command(const CommonOptions &opts, bool json);

struct RunOptions {
  std::string schedule_file;
  std::vector<std::string> hosts;  // empty: the default host
  std::string out_file;
  std::string remote_target;  // iterations as Job.Trigger RPCs to this
  bool quiet = false;
};
int run_command(const RunOptions &opts);

}  // namespace golo::cli
