// SIGTERM's and a run's promises (issue 20, item 10): a golo run in which no
// iteration completed (every call still running when the run gave up on
// them) exits 1 and says so; the same run with calls that end exits 0.
#include <doctest/doctest.h>

#include <string>

#include "host_process.h"

using namespace golo::test;

TEST_CASE("a golo run in which no iteration completed exits 1 and says so") {
  TempDir dir, work;
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  // Every call outlasts the run and its graceful stop.
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 3000\n");
  HostProcess host(dir.path());
  const auto yaml = work.path() / "hung.yaml";
  write_text(yaml,
             "job:\n  name: sleepy\n  users: 2\n  pacing: 0\n"
             "  duration: 300ms\n  graceful_stop: 100ms\n");
  std::string out;
  const int rc = run_command(golo_cli_binary().string() + " run --host " +
                                 host.address() + " " + yaml.string(),
                             &out);
  MESSAGE(out);
  CHECK(rc == 1);
  CHECK(out.find("golo run: no iteration completed: all 2 started were still "
                 "running when the run gave up on them") != std::string::npos);

  // The same schedule whose calls end: a pass, and no such line.
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 1\n");
  host.reload();
  out.clear();
  CHECK(run_command(golo_cli_binary().string() + " run --host " +
                        host.address() + " " + yaml.string(),
                    &out) == 0);
  CHECK(out.find("no iteration completed") == std::string::npos);
}
