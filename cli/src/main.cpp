// golo: drives golo-hosts. run, trigger, plugins, reload, push, remove;
// new writes a plugin project, report writes HTML from results files.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "connection_options.h"
#include "golo_version.h"
#include "host_list.h"
#include "report/report_command.h"
#include "usage.h"

int main(int argc, char **argv) {
  CLI::App app{"golo: distributed load testing with plain-C plugins", "golo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", golo_version_line("golo"));
  golo::cli::CommonOptions common;
  common.host = golo::cli::default_host();
  int timeout_ms = 30000;
  golo::cli::ConnectionFlags connection;
  auto add_common = [&](CLI::App *cmd) {
    cmd->add_option("--host", common.host,
                    "golo-host address: HOST:PORT, or dns:///NAME:PORT "
                    "(default GOLO_HOST)")
        ->capture_default_str();
    cmd->add_option("--timeout-ms", timeout_ms, "deadline for the call")
        ->capture_default_str();
    golo::cli::add_connection_flags(cmd, connection);
  };

  std::string job;
  auto *trigger = app.add_subcommand(
      "trigger",
      "run a job's trigger once, print the response as JSON; exit 3 when it "
      "says error: true (the target failed the test), 1 when the call failed");
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
                  "golo-host address; repeat for several; dns:///NAME:PORT is "
                  "every address NAME has (default GOLO_HOST)")
      ->default_str(common.host)
      // one value per --host: a schedule or file after it stays positional
      ->allow_extra_args(false);
  golo::cli::add_connection_flags(run, connection);
  run->add_option("--out", run_opts.outs,
                  "where results go, repeatable: json=FILE (a bare FILE too), "
                  "csv=FILE, influxdb=http://HOST:PORT/DB (live; token from "
                  "GOLO_INFLUXDB_TOKEN)")
      ->allow_extra_args(false);
  run->add_option(
      "--remote-target", run_opts.remote_target,
      "run each iteration as a Job.Trigger RPC to this go-lo Job server");
  run->add_option("-e,--env", run_opts.env,
                  "KEY=VALUE for the plugins' host->env, repeatable; over "
                  "the schedule's env:")
      ->allow_extra_args(false);
  run->add_flag("--quiet", run_opts.quiet, "no live progress line");
  run->add_flag("--allow-partial", run_opts.allow_partial,
                "run on the hosts that pass the pre-flight and leave out "
                "the others (default: any failure stops the run before "
                "load)");

  golo::cli::PushOptions push_opts;
  auto *push = app.add_subcommand(
      "push", "upload a plugin (and its settings) to hosts, which load it");
  push->add_option("FILE", push_opts.file, "the plugin, NAME.so")->required();
  push->add_option("--conf", push_opts.conf,
                   "settings file to install as JOB.conf beside it");
  push->add_option("--job", push_opts.job,
                   "job name (default: the file's base name)");
  push->add_option("--host", push_opts.hosts,
                   "golo-host address; repeat for several; dns:///NAME:PORT is "
                   "every address NAME has (default GOLO_HOST)")
      ->default_str(common.host)
      // one value per --host: a schedule or file after it stays positional
      ->allow_extra_args(false);
  push->add_option("--timeout-ms", timeout_ms, "deadline for each host")
      ->capture_default_str();
  golo::cli::add_connection_flags(push, connection);

  std::string remove_job;
  std::vector<std::string> remove_hosts;
  auto *remove = app.add_subcommand(
      "remove", "delete a job's plugin and settings from hosts");
  remove->add_option("JOB", remove_job, "job name")->required();
  remove
      ->add_option("--host", remove_hosts,
                   "golo-host address; repeat for several; dns:///NAME:PORT is "
                   "every address NAME has (default GOLO_HOST)")
      ->default_str(common.host)
      // one value per --host: a schedule or file after it stays positional
      ->allow_extra_args(false);
  remove->add_option("--timeout-ms", timeout_ms, "deadline for each host")
      ->capture_default_str();
  golo::cli::add_connection_flags(remove, connection);

  std::string hosts_file;
  for (auto *cmd : {run, push, remove})
    cmd->add_option("--hosts-file", hosts_file,
                    "more hosts, one address a line ('#' comments); "
                    "dns:///NAME:PORT lines too");

  golo::cli::ReportOptions report_opts;
  auto *report = golo::cli::add_report_command(app, report_opts);

  golo::cli::NewOptions new_opts;
  auto *create = app.add_subcommand(
      "new",
      "write a plain-C plugin project: NAME.c, Makefile, NAME.conf, "
      "NAME.yaml");
  create->add_option("NAME", new_opts.name, "the job name, a C identifier")
      ->required();
  create->add_option("DIR", new_opts.dir, "where to write it (default: NAME)");
  create->add_option("--http", new_opts.http,
                     "an HTTP test instead: GET URL (the schedule's env "
                     "BASE_URL) through the host's HTTP client");

  golo::cli::add_help(app);
  if (const int code = golo::cli::parse_command_line(app, argc, argv);
      code >= 0)
    return code;
  if (*create) return golo::cli::new_command(new_opts);
  if (*report) return golo::cli::report_command(report_opts);  // no host
  // A reload waits for every golo_init, each up to the host's
  // --init-timeout (default 30 s, all at once): the default deadline
  // exceeds it, so a hanging init is named in the reply, not cut off.
  if (*reload && reload->count("--timeout-ms") == 0) timeout_ms = 40000;
  common.timeout = std::chrono::milliseconds(timeout_ms);
  golo::cli::ConnectOptions resolved;
  {
    std::string error;
    if (!golo::cli::resolve(connection, resolved, error)) {
      std::cerr << "golo: " << error << "\n";
      return 2;
    }
    golo::cli::set_connect_options(resolved);
  }
  // dns:///NAME:PORT stands for every address NAME has, and --hosts-file
  // adds lines; both resolved once, here, before anything is sent.
  for (auto *hosts : {&run_opts.hosts, &push_opts.hosts, &remove_hosts}) {
    if (hosts->empty() && hosts_file.empty()) hosts->push_back(common.host);
    auto list = golo::cli::expand_hosts(*hosts, hosts_file);
    if (!list.error.empty()) {
      std::cerr << "golo: " << list.error << "\n";
      return 2;
    }
    *hosts = std::move(list.hosts);
  }
  if (*trigger || *plugins || *reload) {
    auto list = golo::cli::expand_hosts({common.host}, "");
    if (!list.error.empty() || list.hosts.size() != 1) {
      std::cerr << "golo: "
                << (list.error.empty()
                        ? "--host " + common.host + " names " +
                              std::to_string(list.hosts.size()) +
                              " hosts; this command talks to one (run, "
                              "push and remove take several)"
                        : list.error)
                << "\n";
      return 2;
    }
    common.host = list.hosts.front();
  }
  // Before anything connects: a token never crosses the network in clear.
  const auto &talking_to = *run      ? run_opts.hosts
                           : *push   ? push_opts.hosts
                           : *remove ? remove_hosts
                                     : std::vector<std::string>{common.host};
  if (const auto why =
          golo::cli::check_token_transport(connection, resolved, talking_to);
      !why.empty()) {
    std::cerr << "golo: " << why << "\n";
    return 2;
  }
  if (*trigger) return golo::cli::trigger_command(common, job);
  if (*plugins) return golo::cli::plugins_command(common, json);
  if (*reload) return golo::cli::reload_command(common, json);
  if (*run) return golo::cli::run_command(run_opts);
  if (*push) return golo::cli::push_command(push_opts, common.timeout);
  if (*remove)
    return golo::cli::remove_command(remove_job, remove_hosts, common.timeout);
  return 2;
}
