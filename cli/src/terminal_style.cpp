#include "terminal_style.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "golo/agent/duration.h"

namespace golo::cli {

namespace {

constexpr const char *kGreen = "\033[32m", *kRed = "\033[1;31m",
                     *kBold = "\033[1m", *kReset = "\033[0m";

std::string paint(const std::string &text, const char *code, bool colour) {
  return colour ? code + text + kReset : text;
}

std::string load(const agent::Schedule &s) {
  const bool open = s.model == agent::Model::open;
  std::string out = s.job + " (" + (open ? "open, " : "closed, ");
  if (!s.stages.empty())
    out += std::to_string(s.stages.size()) + " stages";
  else if (open)
    out += std::to_string(s.arrival_rate) + "/s, at most " +
           std::to_string(s.max_users) + " users";
  else
    out += std::to_string(s.users) + " users";
  return out + ")";
}

}  // namespace

bool use_colour(int fd, bool no_color_flag) {
  // https://no-color.org: present and not empty turns colour off.
  const char *no_color = std::getenv("NO_COLOR");
  if (no_color_flag || (no_color && *no_color)) return false;
  const char *term = std::getenv("TERM");
  return isatty(fd) && !(term && std::string(term) == "dumb");
}

std::string verdict_line(const agent::ThresholdResult &v, bool colour) {
  return v.crossed ? paint("✗ " + v.message, kRed, colour)
                   : paint("✓ " + v.message, kGreen, colour);
}

std::string banner(const agent::Schedule &schedule, std::size_t hosts,
                   const std::vector<std::string> &outs, bool colour) {
  std::string what;
  if (schedule.scenarios.empty())
    what = load(schedule);
  else
    for (const auto &one : schedule.scenarios)
      what += (what.empty() ? "" : ", ") + one.scenario + ": " + load(one);
  const double ns =
      std::chrono::duration<double, std::nano>(schedule.length()).count();
  std::string line = paint("golo run", kBold, colour) + ": " + what + ", " +
                     agent::format_duration(ns) + " on " +
                     std::to_string(hosts) + (hosts == 1 ? " host" : " hosts");
  if (!outs.empty()) {
    line += "; out:";
    for (const auto &o : outs) line += " " + o;
  }
  return line;
}

}  // namespace golo::cli
