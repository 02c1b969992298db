// Other jobs' runs (issue 20, item 8): when golo-host replaces its worker
// because of job B, a golo run of job A names the real cause, whether B
// crashed (the stream breaks; golo asks the new worker why) or B's call got
// stuck (the old worker stops A's run naming the replacement), and never
// says "shutting down". Either way golo run then sends the rest of A's
// schedule to the new worker (RunRequest.resumeOfUnixMs) and merges both
// workers' parts, the gap marked.
#include <doctest/doctest.h>

#include <cstdlib>

#include <cmath>
#include <nlohmann/json.hpp>
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
                const std::function<void()> &damage, std::string &out,
                const std::string &args = "",
                const std::string &job_lines = "") {
  write_text(work / "a.yaml",
             "job:\n  name: sleepy\n  users: 2\n  pacing: 10ms\n"
             "  duration: 10s\n" +
                 job_lines);
  int rc = -1;
  std::thread run([&] {
    rc = run_command(golo_cli_binary().string() + " run --quiet --host " +
                         host.address() + " " + (work / "a.yaml").string() +
                         args,
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
    "a run of job A cut by job B's crash names it, resumes on the new worker "
    "and counts both parts") {
  TempDir dir, work;
  install(dir, "misbehave_segv", "crashy");
  HostProcess host(dir.path(), {}, crash_env());
  std::string out;
  const auto results = work.path() / "a.json";
  const int rc = run_through(
      host, work.path(),
      [&] {
        golo::Response r;
        CHECK_FALSE(host.trigger("crashy", r).ok());
      },
      out, " --out json=" + results.string());
  CHECK(rc == 0);  // complete: the rest of A's schedule ran
  CHECK(out.find("worker replaced: worker 1 died of SIGSEGV in golo_trigger "
                 "of job \"crashy\"") != std::string::npos);
  CHECK(out.find("the run resumes on the new worker at") != std::string::npos);
  CHECK(out.find("marked partial") == std::string::npos);
  CHECK(out.find("shutting down") == std::string::npos);

  const auto j = nlohmann::json::parse(read_text(results));
  const auto &h = j.at("hosts").at(0);
  CHECK(h.at("ok") == true);
  CHECK(h.at("partial") == false);
  CHECK(h.at("interruption")
            .get<std::string>()
            .find("died of SIGSEGV in golo_trigger of job \"crashy\"") !=
        std::string::npos);
  const double from = h.at("interrupted_s").at(0),
               to = h.at("interrupted_s").at(1);
  // Its first progress update came: > 400 calls is 2 s of load, so the
  // update of second 1 is a second old; second 2's may still have been on
  // its way when B crashed (from 1.01 seen under CI's load).
  CHECK(from >= 1.0);
  CHECK(to > from);
  CHECK(to < 9.5);
  // The new worker ran the rest, 2 users every 10 ms: exactly what its
  // sleepy counted; the old worker's part is what it reported, at least the
  // 400 calls seen before the crash less one interval (200).
  const auto total = j.at("total").at("iterations").get<std::uint64_t>();
  const std::uint64_t after = job_calls(host, "sleepy");
  CHECK(after == doctest::Approx(200 * (10 - to)).epsilon(0.1));
  REQUIRE(total > after);
  CHECK(total - after >= 200);
  CHECK(total - after <= 200 * (from + 1));
  CHECK(h.at("may_be_missing").get<std::uint64_t>() <= 220);
  // The series: both parts, nothing in the gap, adding up to the total.
  std::uint64_t in_series = 0;
  for (const auto &row : j.at("series")) {
    const auto s = row.at("second").get<double>();
    CHECK_MESSAGE((s <= std::ceil(from) || s > std::floor(to)), s);
    in_series += row.at("iterations").get<std::uint64_t>();
  }
  CHECK(in_series == total);
  // The old worker's part came from its progress updates, which carry each
  // tag set's intervals: the run is not partial and its sets add up.
  CHECK(j.value("partial", false) == false);
  std::uint64_t in_sets = 0;
  for (const auto &set : j.at("tag_sets"))
    in_sets += set.at("iterations").get<std::uint64_t>();
  CHECK(in_sets == total);
}

TEST_CASE(
    "a run of job A on a worker replaced for job B's stuck call names the "
    "stuck call, never shutting down, and resumes") {
  TempDir dir, work;
  install(dir, "misbehave_hang", "hang");
  HostProcess host(dir.path(),
                   {"--stuck-limit", "0.5", "--shutdown-grace", "1"},
                   crash_env());
  std::string out;
  const auto results = work.path() / "a.json";
  const int rc = run_through(
      host, work.path(),
      [&] {
        CHECK(trigger_with_deadline(host, "hang", 200ms).error_code() ==
              grpc::StatusCode::DEADLINE_EXCEEDED);
      },
      out, " --out json=" + results.string());
  CHECK(rc == 0);
  CHECK(out.find("the run resumes on the new worker at") != std::string::npos);
  // The old worker sent its results as it stopped: its part is whole, in
  // the tag sets too, and nothing may be missing.
  const auto j = nlohmann::json::parse(read_text(results));
  const auto &h = j.at("hosts").at(0);
  CHECK(h.at("ok") == true);
  CHECK(h.at("may_be_missing") == 0);
  CHECK(j.value("partial", false) == false);
  CHECK(j.value("stopped_early", false) == false);
  std::uint64_t in_sets = 0;
  for (const auto &set : j.at("tag_sets"))
    in_sets += set.at("iterations").get<std::uint64_t>();
  CHECK(in_sets == j.at("total").at("iterations").get<std::uint64_t>());
  const std::string stuck =
      "worker replaced: a call of job \"hang\" stuck in golo_trigger for ";
  const auto at = out.find(stuck);
  REQUIRE(at != std::string::npos);
  // In tenths: past the 0.5 s limit, never "0 s".
  const double secs = std::strtod(out.c_str() + at + stuck.size(), nullptr);
  CHECK(secs >= 0.5);
  CHECK(secs < 10);
  CHECK(out.find("shutting down") == std::string::npos);
  CHECK(host.log().find("SIGTERM: stopping (worker replaced: a call of job") !=
        std::string::npos);
}

TEST_CASE(
    "a run of job A with unique data rows does not resume after job B's "
    "crash: it says why and is partial") {
  TempDir dir, work;
  install(dir, "misbehave_segv", "crashy");
  HostProcess host(dir.path(), {}, crash_env());
  std::string rows = "id\n";
  for (int i = 0; i < 5000; ++i) rows += std::to_string(i) + "\n";
  write_text(work.path() / "ids.csv", rows);
  std::string out;
  const auto results = work.path() / "a.json";
  const int rc = run_through(
      host, work.path(),
      [&] {
        golo::Response r;
        CHECK_FALSE(host.trigger("crashy", r).ok());
      },
      out, " --out json=" + results.string(),
      "  data: {file: ids.csv, mode: unique}\n");
  CHECK(rc != 0);  // partial
  CHECK(out.find("the run does not resume: its data (ids.csv) is unique") !=
        std::string::npos);
  CHECK(out.find("the run resumes on the new worker") == std::string::npos);
  const auto j = nlohmann::json::parse(read_text(results));
  CHECK(j.value("partial", false) == true);
  CHECK(j.at("hosts").at(0).at("partial") == true);
  // The new worker ran none of A: no row was handed out twice.
  CHECK(job_calls(host, "sleepy") == 0);
}
