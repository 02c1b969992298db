// golo: drives golo-hosts. run, trigger, plugins, reload, push, remove;
// new writes a plugin project, report writes HTML from results files.
#include <grpc/support/log.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "connection_options.h"
#include "golo_version.h"
#include "host_list.h"
#include "report/report_command.h"
#include "usage.h"

namespace {

using namespace golo::cli;

// Every option the command line can set, and the subcommands that were
// defined, so that parsing, resolving and running are separate steps.
struct CommandLine {
  CommonOptions common;
  int timeout_ms = 30000;
  ConnectionFlags connection;
  std::string job;  // trigger's JOB
  bool json = false;
  RunOptions run_opts;
  PushOptions push_opts;
  std::string remove_job;
  std::vector<std::string> remove_hosts;
  std::string hosts_file;
  ReportOptions report_opts;
  NewOptions new_opts;
  CLI::App *trigger = nullptr, *plugins = nullptr, *reload = nullptr,
           *run = nullptr, *push = nullptr, *remove = nullptr,
           *report = nullptr, *create = nullptr;
};

// The --host of a command that talks to one host.
void add_common(CLI::App *cmd, CommandLine &c) {
  cmd->add_option("--host", c.common.host,
                  "golo-host address: HOST:PORT, or dns:///NAME:PORT "
                  "(default GOLO_HOST)")
      ->capture_default_str();
  cmd->add_option("--timeout-ms", c.timeout_ms, "deadline for the call")
      ->capture_default_str();
  add_connection_flags(cmd, c.connection);
}

// The --host of run, push and remove, which take several.
void add_hosts(CLI::App *cmd, std::vector<std::string> &hosts,
               const std::string &default_host) {
  cmd->add_option("--host", hosts,
                  "golo-host address; repeat for several; dns:///NAME:PORT is "
                  "every address NAME has (default GOLO_HOST)")
      ->default_str(default_host)
      // one value per --host: a schedule or file after it stays positional
      ->allow_extra_args(false);
}

void add_one_host_commands(CLI::App &app, CommandLine &c) {
  c.trigger = app.add_subcommand(
      "trigger",
      "run a job's trigger once, print the response as JSON; exit 3 when it "
      "says error: true (the target failed the test), 1 when the call failed");
  c.trigger->add_option("JOB", c.job, "job name (empty: the only loaded job)");
  add_common(c.trigger, c);

  c.plugins =
      app.add_subcommand("plugins", "list the plugins a host has loaded");
  c.plugins->add_flag("--json", c.json, "print JSON");
  add_common(c.plugins, c);

  c.reload =
      app.add_subcommand("reload", "rescan the host's plugins directory");
  c.reload->add_flag("--json", c.json, "print JSON");
  add_common(c.reload, c);
}

void add_run_command(CLI::App &app, CommandLine &c) {
  auto *run = c.run =
      app.add_subcommand("run", "run a schedule (YAML) on one or more hosts");
  RunOptions &o = c.run_opts;
  run->add_option("SCHEDULE", o.schedule_file, "schedule file")->required();
  add_hosts(run, o.hosts, c.common.host);
  add_connection_flags(run, c.connection);
  run->add_option("--out", o.outs,
                  "where results go, repeatable: json=FILE (a bare FILE too), "
                  "csv=FILE, html=FILE (the report), "
                  "influxdb=http://HOST:PORT/DB (live; token from "
                  "GOLO_INFLUXDB_TOKEN)")
      ->allow_extra_args(false);
  run->add_option(
      "--remote-target", o.remote_target,
      "run each iteration as a Job.Trigger RPC to this go-lo Job server");
  run->add_option("-e,--env", o.env,
                  "KEY=VALUE for the plugins' host->env, repeatable; over "
                  "the schedule's env:")
      ->allow_extra_args(false);
  add_override_flags(run, o.overrides);
  run->add_flag("--quiet", o.quiet, "no banner, no live progress line");
  run->add_flag("--no-color", o.no_color, "no colour (also: NO_COLOR set)");
  dashboard::add_dashboard_flags(run, o.dashboard);
  run->add_flag("--allow-partial", o.allow_partial,
                "run on the hosts that pass the pre-flight and leave out "
                "the others (default: any failure stops the run before "
                "load)");
}

void add_push_remove_commands(CLI::App &app, CommandLine &c) {
  auto *push = c.push = app.add_subcommand(
      "push", "upload a plugin (and its settings) to hosts, which load it");
  push->add_option("FILE", c.push_opts.file, "the plugin, NAME.so")->required();
  push->add_option("--conf", c.push_opts.conf,
                   "settings file to install as JOB.conf beside it");
  push->add_option("--job", c.push_opts.job,
                   "job name (default: the file's base name)");
  add_hosts(push, c.push_opts.hosts, c.common.host);
  push->add_option("--timeout-ms", c.timeout_ms, "deadline for each host")
      ->capture_default_str();
  add_connection_flags(push, c.connection);

  auto *remove = c.remove = app.add_subcommand(
      "remove", "delete a job's plugin and settings from hosts");
  remove->add_option("JOB", c.remove_job, "job name")->required();
  add_hosts(remove, c.remove_hosts, c.common.host);
  remove->add_option("--timeout-ms", c.timeout_ms, "deadline for each host")
      ->capture_default_str();
  add_connection_flags(remove, c.connection);

  for (auto *cmd : {c.run, push, remove})
    cmd->add_option("--hosts-file", c.hosts_file,
                    "more hosts, one address a line ('#' comments); "
                    "dns:///NAME:PORT lines too");
}

void add_local_commands(CLI::App &app, CommandLine &c) {
  c.report = add_report_command(app, c.report_opts);
  c.create = app.add_subcommand(
      "new",
      "write a plain-C plugin project: NAME.c, Makefile, NAME.conf, "
      "NAME.yaml");
  c.create->add_option("NAME", c.new_opts.name, "the job name, a C identifier")
      ->required();
  c.create->add_option("DIR", c.new_opts.dir,
                       "where to write it (default: NAME)");
  c.create->add_option("--http", c.new_opts.http,
                       "an HTTP test instead: GET URL (the schedule's env "
                       "BASE_URL) through the host's HTTP client");
}

// dns:///NAME:PORT stands for every address NAME has, and --hosts-file adds
// lines; both resolved once, here, before anything is sent. "" or why not.
std::string resolve_hosts(CommandLine &c) {
  for (auto *hosts : {&c.run_opts.hosts, &c.push_opts.hosts, &c.remove_hosts}) {
    if (hosts->empty() && c.hosts_file.empty()) hosts->push_back(c.common.host);
    auto list = expand_hosts(*hosts, c.hosts_file);
    if (!list.error.empty()) return list.error;
    *hosts = std::move(list.hosts);
  }
  if (*c.trigger || *c.plugins || *c.reload) {
    auto list = expand_hosts({c.common.host}, "");
    if (!list.error.empty()) return list.error;
    if (list.hosts.size() != 1)
      return "--host " + c.common.host + " names " +
             std::to_string(list.hosts.size()) +
             " hosts; this command talks to one (run, push and remove take "
             "several)";
    c.common.host = list.hosts.front();
  }
  return "";
}

// Connection options, hosts, and the token's transport, all before anything
// connects: a token never crosses the network in clear. "" or why not.
std::string prepare_connection(CommandLine &c) {
  // A reload waits for every golo_init, each up to the host's
  // --init-timeout (default 30 s, all at once): the default deadline
  // exceeds it, so a hanging init is named in the reply, not cut off.
  if (*c.reload && c.reload->count("--timeout-ms") == 0) c.timeout_ms = 40000;
  c.common.timeout = std::chrono::milliseconds(c.timeout_ms);
  ConnectOptions resolved;
  std::string error;
  if (!resolve(c.connection, resolved, error)) return error;
  set_connect_options(resolved);
  if (auto why = resolve_hosts(c); !why.empty()) return why;
  const auto &talking_to = *c.run    ? c.run_opts.hosts
                           : *c.push ? c.push_opts.hosts
                           : *c.remove
                               ? c.remove_hosts
                               : std::vector<std::string>{c.common.host};
  return check_token_transport(c.connection, resolved, talking_to);
}

int dispatch(const CommandLine &c) {
  if (*c.trigger) return trigger_command(c.common, c.job);
  if (*c.plugins) return plugins_command(c.common, c.json);
  if (*c.reload) return reload_command(c.common, c.json);
  if (*c.run) return run_command(c.run_opts);
  if (*c.push) return push_command(c.push_opts, c.common.timeout);
  if (*c.remove)
    return remove_command(c.remove_job, c.remove_hosts, c.common.timeout);
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  // golo says in one line what went wrong; gRPC's own log lines (an SSL
  // handshake's, say) would be a second, in its words. GRPC_VERBOSITY
  // brings them back.
  if (!std::getenv("GRPC_VERBOSITY"))
    gpr_set_log_function([](gpr_log_func_args *) {});
  CLI::App app{"golo: distributed load testing with plain-C plugins", "golo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", golo_version_line("golo"));
  CommandLine c;
  c.common.host = default_host();
  add_one_host_commands(app, c);
  add_run_command(app, c);
  add_push_remove_commands(app, c);
  add_local_commands(app, c);
  add_help(app);
  if (const int code = parse_command_line(app, argc, argv); code >= 0)
    return code;
  if (*c.create) return new_command(c.new_opts);
  if (*c.report) return report_command(c.report_opts);  // no host
  if (const auto why = prepare_connection(c); !why.empty()) {
    std::cerr << "golo: " << why << "\n";
    return 2;
  }
  return dispatch(c);
}
