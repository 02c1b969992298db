// Other jobs' runs (issue 20, item 8, the part built): when golo-host
// replaces its worker because of job B, a golo run of job A names the real
// cause, whether B crashed (the stream breaks; golo asks the new worker why)
// or B's call got stuck (the old worker stops A's run naming the
// replacement), and never says "shutting down". Re-issuing the rest of A's
// schedule is not built: A's run is still cut, marked partial.
#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "host_process.h"
#include "supervisor_support.h"

using namespace golo::test;

namespace {

// Runs job sleepy (1 ms calls) for 10 s on host (time for a replacement
// worker to start on a loaded machine); once its load has started,
// does damage(); returns golo run's exit status, its output in out.
int run_through(const HostProcess &host, const fs::path &work,
                const std::function<void()> &damage, std::string &out) {
  write_text(work / "a.yaml",
             "job:\n  name: sleepy\n  users: 2\n  pacing: 10ms\n"
             "  duration: 10s\n");
  int rc = -1;
  std::thread run([&] {
    rc = run_command(golo_cli_binary().string() + " run --quiet --host " +
                         host.address() + " " + (work / "a.yaml").string(),
                     &out);
  });
  // Past its first progress update (1 s, 200 calls a second).
  CHECK(wait_until([&] { return loaded_job_calls(host, "sleepy") > 400; },
                   15000ms));
  damage();
  run.join();
  MESSAGE(out);
  return rc;
}

void install(const TempDir &dir, const std::string &culprit,
             const std::string &as) {
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 1\n");
  install_plugin(test_plugin(culprit), dir.path(), as);
}

}  // namespace

TEST_CASE(
    "a run of job A cut by job B's crash names B's crash as the cause, not a "
    "closed socket") {
  TempDir dir, work;
  install(dir, "misbehave_segv", "crashy");
  HostProcess host(dir.path(), {}, crash_env());
  std::string out;
  const int rc = run_through(
      host, work.path(),
      [&] {
        golo::Response r;
        CHECK_FALSE(host.trigger("crashy", r).ok());
      },
      out);
  CHECK(rc == 1);  // partial: the rest of A's schedule is not re-issued
  CHECK(out.find("worker replaced: worker 1 died of SIGSEGV in golo_trigger "
                 "of job \"crashy\"") != std::string::npos);
  CHECK(out.find("marked partial") != std::string::npos);
  CHECK(out.find("the 0 iterations") == std::string::npos);  // kept what ran
  CHECK(out.find("shutting down") == std::string::npos);
}

TEST_CASE(
    "a run of job A on a worker replaced for job B's stuck call names the "
    "stuck call, never shutting down") {
  TempDir dir, work;
  install(dir, "misbehave_hang", "hang");
  HostProcess host(dir.path(),
                   {"--stuck-limit", "0.5", "--shutdown-grace", "1"},
                   crash_env());
  std::string out;
  const int rc = run_through(
      host, work.path(),
      [&] {
        CHECK(trigger_with_deadline(host, "hang", 200ms).error_code() ==
              grpc::StatusCode::DEADLINE_EXCEEDED);
      },
      out);
  CHECK(rc == 1);
  CHECK(out.find("worker replaced: a call of job \"hang\" stuck in "
                 "golo_trigger") != std::string::npos);
  CHECK(out.find("shutting down") == std::string::npos);
  CHECK(host.log().find("SIGTERM: stopping (worker replaced: a call of job") !=
        std::string::npos);
}
