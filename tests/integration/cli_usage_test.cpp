// The CLI speaks plainly: usage errors exit 2 with the usage line and a
// suggestion for a near miss; unreadable files say why; a name that does
// not resolve is one line; `golo trigger` tells a failed test from a failed
// call by its exit code; every command's help shows an example.
#include <doctest/doctest.h>

#include <algorithm>

#include "host_process.h"

using namespace golo::test;

namespace {

std::string golo() { return golo_cli_binary().string(); }

// Runs golo with args; returns {exit code, stdout + stderr}.
std::pair<int, std::string> cli(const std::string &args) {
  std::string out;
  const int rc = run_command(golo() + " " + args, &out);
  return {rc, out};
}

}  // namespace

TEST_CASE("cli: a mistyped command exits 2 with a suggestion and the usage") {
  auto [rc, out] = cli("trigerr noop");
  CHECK(rc == 2);
  CHECK(out.rfind("golo: unknown command \"trigerr\"; did you mean trigger?\n"
                  "usage: golo COMMAND [ARGS]   (commands: ",
                  0) == 0);
  std::tie(rc, out) = cli("plugns");
  CHECK(rc == 2);
  CHECK(out.find("did you mean plugins?") != std::string::npos);
  // Nothing close: no suggestion, still the usage.
  std::tie(rc, out) = cli("frobnicate");
  CHECK(rc == 2);
  CHECK(out.find("did you mean") == std::string::npos);
  CHECK(out.find("usage: golo COMMAND") != std::string::npos);
  std::tie(rc, out) = cli("");
  CHECK(rc == 2);
  CHECK(out.rfind("golo: give a command\nusage: golo COMMAND", 0) == 0);
}

TEST_CASE("cli: a mistyped flag exits 2 naming the flag and the near one") {
  auto [rc, out] = cli("trigger noop --hots 127.0.0.1:1");
  CHECK(rc == 2);
  CHECK(out ==
        "golo trigger: unknown flag --hots; did you mean --host?\n"
        "usage: golo trigger [JOB] [--host ADDR] [--timeout-ms N]   (golo "
        "help trigger for more)\n");
  std::tie(rc, out) = cli("run s.yaml --qiuet");
  CHECK(rc == 2);
  CHECK(out.rfind("golo run: unknown flag --qiuet; did you mean --quiet?\n"
                  "usage: golo run SCHEDULE",
                  0) == 0);
  std::tie(rc, out) = cli("plugins --json --hots=x");
  CHECK(rc == 2);
  CHECK(out.find("unknown flag --hots; did you mean --host?") !=
        std::string::npos);
  // Other usage errors: CLI11's words, the usage line, exit 2.
  std::tie(rc, out) = cli("run");
  CHECK(rc == 2);
  CHECK(out.find("SCHEDULE is required") != std::string::npos);
  CHECK(out.find("usage: golo run SCHEDULE") != std::string::npos);
  std::tie(rc, out) = cli("trigger noop --timeout-ms soon");
  CHECK(rc == 2);
  CHECK(out.find("usage: golo trigger") != std::string::npos);
}

TEST_CASE("cli: help for each command shows an example") {
  for (const std::string cmd :
       {"run", "trigger", "plugins", "reload", "push", "remove", "new"}) {
    auto [rc, out] = cli(cmd + " --help");
    CHECK_MESSAGE(rc == 0, cmd);
    CHECK_MESSAGE(out.find("Example:\n  golo " + cmd) != std::string::npos,
                  out);
    auto [hrc, hout] = cli("help " + cmd);
    CHECK(hrc == 0);
    CHECK(hout == out);
  }
  auto [rc, out] = cli("help");
  CHECK(rc == 0);
  auto [top_rc, top] = cli("--help");
  CHECK(top_rc == 0);
  CHECK(out == top);  // every command, not the help command's own help
  CHECK(out.find("Example:\n  golo trigger noop") != std::string::npos);
  CHECK(out.find("  new ") != std::string::npos);
  std::tie(rc, out) = cli("help trigerr");
  CHECK(rc == 2);
  CHECK(out.rfind("golo: no command \"trigerr\"; did you mean trigger?\n", 0) ==
        0);
}

TEST_CASE("cli: a file it cannot read is 'cannot read FILE: REASON'") {
  TempDir work;
  const std::string dir = work.path().string();
  const std::string missing = (work.path() / "missing.so").string();
  auto [rc, out] = cli("run " + dir);
  CHECK(rc == 2);
  CHECK(out == "golo run: cannot read " + dir + ": it is a directory\n");
  std::tie(rc, out) = cli("push " + missing);
  CHECK(rc == 2);
  CHECK(out ==
        "golo push: cannot read " + missing + ": No such file or directory\n");
  std::tie(rc, out) = cli("plugins --tls-ca " + missing);
  CHECK(rc == 2);
  CHECK(out == "golo: --tls-ca: cannot read " + missing +
                   ": No such file or directory\n");
}

TEST_CASE("cli: a host name that does not resolve is one plain line") {
  for (const std::string cmd : {"plugins", "trigger noop", "reload"}) {
    auto [rc, out] = cli(cmd + " --host no-such-host.invalid:9999");
    CHECK(rc == 2);
    CHECK_MESSAGE(out.rfind("golo: --host no-such-host.invalid:9999: "
                            "no-such-host.invalid does not resolve (",
                            0) == 0,
                  out);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    CHECK(out.find("ares") == std::string::npos);
  }
}

TEST_CASE("cli: golo trigger exits 3 when the response says error true") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("binary_output"), dir.path(), "binary_output");
  install_plugin(test_plugin("fails"), dir.path(), "fails");
  HostProcess host(dir.path());
  const std::string at = " --host " + host.address();
  auto [rc, out] = cli("trigger noop" + at);
  CHECK(rc == 0);
  std::tie(rc, out) = cli("trigger binary_output" + at);
  CHECK(rc == 3);
  CHECK(out.find("\"error\": true") != std::string::npos);  // still printed
  CHECK(out.find("golo trigger: the response says error: true") !=
        std::string::npos);
  std::tie(rc, out) = cli("trigger fails" + at);
  CHECK(rc == 1);
}
