#include "usage.h"

#include <algorithm>
#include <iostream>
#include <map>

#include "dashboard/options.h"
#include "golo/agent/closest.h"

namespace golo::cli {
namespace {

struct CommandHelp {
  const char *usage;    // after "golo "
  const char *example;  // a command line that works as shown
};

// One entry per command. A command without one still works; its usage line
// is then CLI11's.
const std::map<std::string, CommandHelp> &command_help() {
  static const std::map<std::string, CommandHelp> table = {
      {"run",
       {"run SCHEDULE [--host ADDR ...] [--out [TYPE=]TARGET ...] "
        "[--remote-target ADDR] [--quiet] [--allow-partial] "
        "[--dashboard [ADDR] [--dashboard-wait]]",
        "golo run examples/noop.yaml --host 127.0.0.1:9999 --out "
        "results.json --out html=report.html"}},
      {"trigger",
       {"trigger [JOB] [--host ADDR] [--timeout-ms N]",
        "golo trigger noop --host 127.0.0.1:9999"}},
      {"plugins",
       {"plugins [--json] [--host ADDR]",
        "golo plugins --host 127.0.0.1:9999"}},
      {"reload",
       {"reload [--json] [--host ADDR]", "golo reload --host 127.0.0.1:9999"}},
      {"push",
       {"push FILE [--conf FILE] [--job NAME] [--host ADDR ...]",
        "golo push collatz.so --conf collatz.conf --host "
        "dns:///golo-hosts:9999"}},
      {"remove",
       {"remove JOB [--host ADDR ...]",
        "golo remove collatz --host "
        "127.0.0.1:9999"}},
      {"new", {"new NAME [DIR]", "golo new checkout && cd checkout && make"}},
      {"report",
       {"report RESULTS.json [MORE.json ...] --html FILE | report A.json "
        "B.json --compare",
        "golo report results.json --html report.html"}},
      {"help", {"help [COMMAND]", "golo help run"}},
  };
  return table;
}

std::vector<std::string> command_names(const CLI::App &app) {
  std::vector<std::string> names;
  for (const auto *sub : app.get_subcommands({}))
    names.push_back(sub->get_name());
  return names;
}

std::string usage_line(const CLI::App &app, const CLI::App *cmd) {
  if (cmd == &app)
    return "usage: golo COMMAND [ARGS]   (commands: " + [&] {
      std::string list;
      for (const auto &n : command_names(app))
        list += (list.empty() ? "" : ", ") + n;
      return list;
    }() + "; golo help COMMAND for one)";
  const auto it = command_help().find(cmd->get_name());
  return "usage: golo " +
         (it != command_help().end() ? std::string(it->second.usage)
                                     : cmd->get_name() + " [OPTIONS]") +
         "   (golo help " + cmd->get_name() + " for more)";
}

int usage_error(const CLI::App &app, const CLI::App *cmd,
                const std::string &message) {
  std::cerr << (cmd == &app ? std::string("golo") : "golo " + cmd->get_name())
            << ": " << message << "\n"
            << usage_line(app, cmd) << "\n";
  return 2;
}

// The first flag in args that cmd does not know, with a suggestion.
std::string unknown_flag(const CLI::App *cmd,
                         const std::vector<std::string> &args) {
  for (const auto &arg : args) {
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") continue;
    const std::string name = arg.substr(0, arg.find('='));
    if (cmd->get_option_no_throw(name) != nullptr) continue;
    std::vector<std::string> known;
    for (const auto *opt : cmd->get_options()) {
      for (const auto &l : opt->get_lnames()) known.push_back("--" + l);
    }
    const std::string near = closest(name, known);
    return "unknown flag " + name +
           (near.empty() ? "" : "; did you mean " + near + "?");
  }
  return "";
}

int help_command(CLI::App &app, const std::string &topic) {
  if (topic.empty()) {
    // Not app.help(): with `help` parsed, that shows the help command's.
    std::cout << app.get_formatter()->make_help(&app, app.get_name(),
                                                CLI::AppFormatMode::Normal);
    return 0;
  }
  for (auto *sub : app.get_subcommands({}))
    if (sub->get_name() == topic) {
      std::cout << sub->help(app.get_name());
      return 0;
    }
  const std::string near = closest(topic, command_names(app));
  return usage_error(app, &app,
                     "no command \"" + topic + "\"" +
                         (near.empty() ? "" : "; did you mean " + near + "?"));
}

}  // namespace

std::string closest(const std::string &word,
                    const std::vector<std::string> &candidates) {
  // Close: a typo or two for a long word, one for a short one; or the word
  // is the start of exactly this candidate ("trig" for "trigger").
  if (auto best = agent::closest(word, candidates,
                                 std::max<std::size_t>(1, word.size() / 3));
      !best.empty())
    return best;
  for (const auto &c : candidates)
    if (word.size() >= 2 && c.rfind(word, 0) == 0) return c;
  return "";
}

void add_help(CLI::App &app) {
  for (auto *sub : app.get_subcommands({})) {
    const auto it = command_help().find(sub->get_name());
    if (it != command_help().end())
      sub->footer(std::string("Example:\n  ") + it->second.example);
  }
  auto *help = app.add_subcommand("help",
                                  "show a command's options and an "
                                  "example");
  help->add_option("COMMAND", "the command (none: every command)");
  help->footer(std::string("Example:\n  ") + command_help().at("help").example);
  app.footer(
      "Example:\n  golo trigger noop\n"
      "Run 'golo help COMMAND' for a command's options.");
}

int parse_command_line(CLI::App &app, int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // A command that does not exist, caught before CLI11 calls it an
  // unexpected argument.
  if (args.empty()) return usage_error(app, &app, "give a command");
  if (args[0][0] != '-') {
    const auto names = command_names(app);
    if (std::find(names.begin(), names.end(), args[0]) == names.end()) {
      const std::string near = closest(args[0], names);
      return usage_error(
          app, &app,
          "unknown command \"" + args[0] + "\"" +
              (near.empty() ? "" : "; did you mean " + near + "?"));
    }
  }
  // CLI11 would take a bare --dashboard's next word as its address.
  std::vector<std::string> words{argv[0]};
  for (auto &w : dashboard::bind_dashboard_value(args)) words.push_back(w);
  std::vector<char *> bound;
  for (auto &w : words) bound.push_back(w.data());
  try {
    app.parse(static_cast<int>(bound.size()), bound.data());
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    const auto parsed = app.get_subcommands();
    const CLI::App *cmd = parsed.empty() ? &app : parsed.front();
    const auto from =
        std::find(args.begin(), args.end(), cmd == &app ? "" : cmd->get_name());
    const std::string flag = unknown_flag(
        cmd, std::vector<std::string>(
                 from == args.end() ? args.begin() : from + 1, args.end()));
    return usage_error(app, cmd, flag.empty() ? e.what() : flag);
  }
  for (auto *sub : app.get_subcommands())
    if (sub->get_name() == "help") {
      const auto *opt = sub->get_option("COMMAND");
      return help_command(app, opt->empty() ? "" : opt->as<std::string>());
    }
  return -1;
}

}  // namespace golo::cli
