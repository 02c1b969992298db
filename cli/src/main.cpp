// golo: drives golo-hosts. run, trigger, plugins, reload.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "golo_version.h"

int main(int argc, char **argv) {
  CLI::App app{"golo: distributed load testing with plain-C plugins"};
  app.require_subcommand(1);
  app.set_version_flag("--version", golo_version_line("golo"));
  golo::cli::CommonOptions common;
  int timeout_ms = 30000;
  auto add_common = [&](CLI::App *cmd) {
    cmd->add_option("--host", common.host, "golo-host address (host:port)")
        ->capture_default_str();
    cmd->add_option("--timeout-ms", timeout_ms, "deadline for the call")
        ->capture_default_str();
  };

  std::string job;
  auto *trigger = app.add_subcommand(
      "trigger", "run a job's trigger once, print the response as JSON");
  trigger->add_option("JOB", job, "job name (empty: the only loaded job)");
  add_common(trigger);

  bool json = false;
  auto *plugins =
      app.add_subcommand("plugins", "list the plugins a host has loaded");
  plugins->add_flag("--json", json, "print JSON");
  add_common(plugins);

  auto *reload =
      app.add_subcommand("reload", "rescan the host's plugins directory");
  reload->add_flag("--json", json, "print JSON");
  add_common(reload);

  golo::cli::RunOptions run_opts;
  auto *run =
      app.add_subcommand("run", "run a schedule (YAML) on one or more hosts");
  run->add_option("SCHEDULE", run_opts.schedule_file, "schedule file")
      ->required();
  run->add_option("--host", run_opts.hosts,
                  "golo-host address; repeat for several")
      ->default_str(common.host);
  run->add_option("--out", run_opts.out_file, "write the results as JSON here");
  run->add_option(
      "--remote-target", run_opts.remote_target,
      "run each iteration as a Job.Trigger RPC to this go-lo Job server");
  run->add_flag("--quiet", run_opts.quiet, "no live progress line");

  CLI11_PARSE(app, argc, argv);
  common.timeout = std::chrono::milliseconds(timeout_ms);
  if (*trigger) return golo::cli::trigger_command(common, job);
  if (*plugins) return golo::cli::plugins_command(common, json);
  if (*reload) return golo::cli::reload_command(common, json);
  if (*run) return golo::cli::run_command(run_opts);
  return 2;
}
