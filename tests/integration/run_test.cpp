// Schedules and measurement end to end (issue 4): real golo-host processes
// run schedules through the Runner RPC and the real `golo run` CLI, against
// sleepy (a plugin whose latency is set by its settings), noop and http_get
// with nginx. Every expected figure is derived in a comment beside it.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct RunOutcome {
  grpc::Status status;
  json results;  // null unless the run ended with results
  int progress_updates = 0;
  // Iterations in the interval histograms of all progress updates.
  std::uint64_t progress_bucket_total = 0;
};

// Runner.Run on `host` with the schedule text; gathers the stream.
RunOutcome run_rpc(const HostProcess &host, const std::string &yaml,
                   const std::string &file = "test.yaml",
                   const std::string &remote_target = "",
                   bool check_only = false) {
  auto stub = golo::Runner::NewStub(host.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  golo::RunRequest req;
  req.set_scheduleyaml(yaml);
  req.set_schedulefile(file);
  req.set_remotetarget(remote_target);
  req.set_checkonly(check_only);
  auto reader = stub->Run(&ctx, req);
  RunOutcome out;
  golo::RunUpdate update;
  while (reader->Read(&update)) {
    if (update.has_progress()) {
      ++out.progress_updates;
      for (auto n : update.progress().intervalbucketcount())
        out.progress_bucket_total += n;
    } else
      out.results = json::parse(update.resultsjson());
  }
  out.status = reader->Finish();
  return out;
}

std::uint64_t u64(const json &j, const char *key) {
  return j.at(key).get<std::uint64_t>();
}

// Sum of one field over the per-second series.
std::uint64_t series_sum(const json &results, const char *key) {
  std::uint64_t sum = 0;
  for (const auto &s : results.at("series")) sum += u64(s, key);
  return sum;
}

std::string cli() { return golo_cli_binary().string() + " "; }

fs::path write_schedule(const TempDir &dir, const std::string &name,
                        const std::string &yaml) {
  const auto path = dir.path() / name;
  write_text(path, yaml);
  return path;
}

// sleepy, answering after sleep_ms, as job "sleepy" in dir.
void install_sleepy(const fs::path &dir, int sleep_ms) {
  install_plugin(example_plugin("sleepy"), dir, "sleepy");
  write_text(dir / "sleepy.conf",
             "sleep_ms = " + std::to_string(sleep_ms) + "\n");
}

// The `golo run --quiet` command line for these hosts, writing --out.
std::string golo_run(const std::vector<std::string> &hosts,
                     const fs::path &out_file, const fs::path &schedule) {
  std::string cmd = cli() + "run --quiet";
  for (const auto &h : hosts) cmd += " --host " + h;
  return cmd + " --out " + out_file.string() + " " + schedule.string();
}

// sleepy built from its own source with one change, the GOLO_PLUGIN_SERIAL
// flag: the host then serialises its calls, so a stall holds up every
// iteration behind it, as one wrk2 connection (one request at a time) does.
void install_serial_sleepy(const fs::path &plugins_dir) {
  TempDir src("golo-serial-sleepy");
  const auto sleepy_c = plugin_include_dir().parent_path().parent_path() /
                        "plugins/sleepy/sleepy.c";
  std::string code = read_text(sleepy_c);
  const std::string marker = "GOLO_PLUGIN(.name = \"sleepy\"";
  const auto at = code.find(marker);
  REQUIRE(at != std::string::npos);
  code.replace(at, marker.size(),
               "GOLO_PLUGIN(.flags = GOLO_PLUGIN_SERIAL, .name = \"sleepy\"");
  write_text(src.path() / "serial_sleepy.c", code);
  std::string out;
  const std::string cmd =
      "cc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -shared -fPIC -I " +
      plugin_include_dir().string() + " " +
      (src.path() / "serial_sleepy.c").string() + " -o " +
      (src.path() / "serial_sleepy.so").string();
  REQUIRE_MESSAGE(run_command(cmd, &out) == 0, out);
  install_plugin(src.path() / "serial_sleepy.so", plugins_dir, "sleepy");
}

}  // namespace

TEST_CASE("closed model runs users x duration / pacing iterations") {
  TempDir dir;
  install_sleepy(dir.path(), 2);
  HostProcess host(dir.path());
  // 20 users, each starting an iteration at 0, 50, ..., 1950 ms (pacing
  // counts from the intended start, so wake-up delays do not accumulate):
  // 20 x 2 s / 50 ms = 800 exactly. Tolerance 1% (8); the only ways to miss
  // are an iteration at a boundary or a user starting late, at most +-users.
  const auto r = run_rpc(host, R"(version: job:latest
job:
  name: sleepy
  users: 20
  pacing: 50ms
  duration: 2s
)");
  REQUIRE_MESSAGE(r.status.ok(), r.status.error_message());
  const auto &total = r.results.at("total");
  const auto iterations = u64(total, "iterations");
  MESSAGE("closed model: " << iterations << " iterations (expected 800)");
  CHECK(std::llabs(static_cast<long long>(iterations) - 800) <= 8);
  CHECK(u64(total, "errors") == 0);
  CHECK(u64(total, "dropped") == 0);
  CHECK(u64(total, "interrupted") == 0);
  // The host's own count of calls into the plugin agrees exactly.
  CHECK(loaded_job_calls(host, "sleepy") == iterations);
  CHECK(series_sum(r.results, "iterations") == iterations);
  // Closed model latency is the call itself: at least the 2 ms sleep.
  const auto &lat = total.at("latency_us");
  CHECK(lat.at("min").get<double>() >= 2000);
  CHECK(lat.at("p50").get<double>() < 10000);
  CHECK(r.progress_updates >= 1);
  // Each update carries its interval's histogram (for merging hosts); the
  // intervals tile the run (a last one covers the tail), so together they
  // hold every iteration exactly once.
  CHECK(r.progress_bucket_total == iterations);
}

TEST_CASE("open model holds the requested arrival rate within 1% over 10 s") {
  TempDir dir;
  install_sleepy(dir.path(), 1);
  HostProcess host(dir.path());
  // Arrival k is due at k/200 s; those due before 10 s are k = 0..1999:
  // exactly 2000 arrivals = iterations + dropped + interrupted. With 1 ms
  // calls, 20 users are 10x what 200/s needs, so none should be dropped.
  const auto r = run_rpc(host, R"(version: job:latest
job:
  name: sleepy
  arrival_rate: 200
  max_users: 20
  duration: 10s
)");
  REQUIRE_MESSAGE(r.status.ok(), r.status.error_message());
  const auto &total = r.results.at("total");
  const auto iterations = u64(total, "iterations");
  const double rate = total.at("rate").get<double>();
  MESSAGE("open model: " << iterations << " iterations, rate " << rate
                         << "/s (asked 200/s), dropped "
                         << u64(total, "dropped"));
  CHECK(iterations + u64(total, "dropped") + u64(total, "interrupted") == 2000);
  CHECK(iterations >= 1980);
  CHECK(u64(total, "dropped") == 0);
  CHECK(std::fabs(rate - 200) <= 2);
  CHECK(loaded_job_calls(host, "sleepy") == iterations);
  // Second by second too: each full second holds 200 arrivals; an iteration
  // is counted when it ends (~1 ms later), so a second can lend a few to the
  // next. 5% is far looser than that.
  const auto &series = r.results.at("series");
  REQUIRE(series.size() >= 10);
  for (std::size_t i = 0; i < 10; ++i) {
    const auto n = u64(series[i], "iterations");
    CHECK_MESSAGE(std::llabs(static_cast<long long>(n) - 200) <= 10,
                  "second " << i + 1 << ": " << n);
  }
}

TEST_CASE("a 1 s stall in an open-model run shows in p99 and max as wrk2") {
  TempDir dir;
  install_serial_sleepy(dir.path());
  // Call 101 (arrival k=100, due at 1.0 s) sleeps 1 s; every other 1 ms.
  write_text(dir.path() / "sleepy.conf",
             "sleep_ms = 1\nstall_ms = 1000\nstall_at = 101\n");
  HostProcess host(dir.path());
  const auto r = run_rpc(host, R"(version: job:latest
job:
  name: sleepy
  arrival_rate: 100
  max_users: 200
  duration: 3s
)");
  REQUIRE_MESSAGE(r.status.ok(), r.status.error_message());
  const auto &total = r.results.at("total");
  const auto &lat = total.at("latency_us");
  MESSAGE("stall: p50 " << lat.at("p50") << " p90 " << lat.at("p90") << " p99 "
                        << lat.at("p99") << " max " << lat.at("max") << " us");
  // 300 arrivals (3 s x 100/s); 200 users never run out: the ~110 that
  // arrive during the stall wait on the serial plugin, holding a user each.
  CHECK(u64(total, "iterations") == 300);
  CHECK(u64(total, "dropped") == 0);
  // wrk2's figures for a 1 s pause at 100/s (HdrHistogram's pause dataset):
  // arrival i after the stall began (every 10 ms) is measured from when it
  // was due, so it waits out the rest of the stall: 1000 - 10i ms, plus its
  // place in the serial queue. Whatever order the queue runs in, arrivals
  // i = 1..3 wait at least 970 ms, and i = 1..30 at least 700 ms; nothing
  // waits more than the stall plus the ~111 queued 1 ms calls.
  //   p99 of 300 = the 297th value = the 4th largest: >= 960 ms
  //   p90 of 300 = the 270th value = the 31st largest: >= 690 ms
  //   max: the stalled call itself, >= 1000 ms
  // Measured from the actual start instead, only the stalled call would
  // be slow, and p99 and p90 would say ~1 ms: the omission wrk2 corrects.
  CHECK(lat.at("max").get<double>() >= 1'000'000);
  CHECK(lat.at("max").get<double>() < 1'200'000);
  CHECK(lat.at("p99").get<double>() >= 960'000);
  CHECK(lat.at("p99").get<double>() < 1'200'000);
  CHECK(lat.at("p90").get<double>() >= 690'000);
  // Half the arrivals never meet the stall (~110 of 300 do): p50 is a
  // plain 1 ms call plus scheduling.
  CHECK(lat.at("p50").get<double>() < 50'000);
}

// The closed-model stall (issue 13): 1 user paced at 10 ms for 3 s, call
// 101 (due at 1.0 s) takes 1 s, every other 1 ms. The slots 1.01 .. 1.99 s
// pass while the user is stuck: 99 missed (100 if the stalled call ran
// 10 ms over, a loaded machine's margin). From the actual start 201
// iterations and a p99 of ~1 ms; from the intended start 300 samples, the
// missed slots' 990, 980 ... 10 ms included: p99 (the 4th largest) ~970 ms.
void install_paced_stall(const fs::path &dir) {
  install_plugin(example_plugin("sleepy"), dir, "sleepy");
  write_text(dir / "sleepy.conf",
             "sleep_ms = 1\nstall_ms = 1000\nstall_at = 101\n");
}

void check_paced_stall(const json &total) {
  const auto iterations = u64(total, "iterations");
  const auto missed = u64(total, "missed");
  MESSAGE("paced stall: " << iterations << " iterations, " << missed
                          << " missed, p99 " << total.at("latency_us").at("p99")
                          << " us, p99 corrected "
                          << total.at("latency_corrected_us").at("p99")
                          << " us");
  CHECK(missed >= 99);
  CHECK(missed <= 102);
  CHECK(iterations + missed <= 300);
  CHECK(iterations + missed >= 290);
  CHECK(u64(total.at("histogram_corrected"), "count") == iterations + missed);
  CHECK(total.at("latency_us").at("p99").get<double>() < 100'000);
  const double p99 = total.at("latency_corrected_us").at("p99").get<double>();
  CHECK(p99 >= 940'000);
  CHECK(p99 <= 1'050'000);
}

TEST_CASE("a 1 s stall in a paced closed-model run: missed and corrected") {
  TempDir dir;
  install_paced_stall(dir.path());
  HostProcess host(dir.path());
  const std::string yaml =
      "job:\n  name: sleepy\n  users: 1\n  pacing: 10ms\n  duration: 3s\n";
  // Through Runner.Run: the progress updates carry the same numbers.
  auto stub = golo::Runner::NewStub(host.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  golo::RunRequest req;
  req.set_scheduleyaml(yaml);
  req.set_schedulefile("paced.yaml");
  auto reader = stub->Run(&ctx, req);
  golo::RunUpdate update;
  json results;
  std::uint64_t last_missed = 0, corrected_in_progress = 0,
                set_missed_in_progress = 0;
  while (reader->Read(&update)) {
    if (!update.has_progress()) {
      results = json::parse(update.resultsjson());
      continue;
    }
    const auto &p = update.progress();
    last_missed = p.missed();
    for (auto n : p.intervalcorrectedbucketcount()) corrected_in_progress += n;
    for (const auto &set : p.tagsetintervals())
      set_missed_in_progress += set.missed();
  }
  const auto status = reader->Finish();
  REQUIRE_MESSAGE(status.ok(), status.error_message());
  const auto &total = results.at("total");
  check_paced_stall(total);
  CHECK(last_missed == u64(total, "missed"));
  CHECK(set_missed_in_progress == u64(total, "missed"));
  CHECK(corrected_in_progress == u64(total.at("histogram_corrected"), "count"));
  CHECK(series_sum(results, "missed") == u64(total, "missed"));
}

TEST_CASE("golo run on two paced hosts: missed and corrected merge exactly") {
  TempDir dir_a, dir_b, work;
  install_paced_stall(dir_a.path());
  install_paced_stall(dir_b.path());
  HostProcess host_a(dir_a.path()), host_b(dir_b.path());
  // One user each, each stalling once: twice the single host's figures.
  // The actual-start p99 holds; the corrected one is crossed (exit 99).
  const auto schedule = write_schedule(
      work, "paced.yaml",
      "job:\n  name: sleepy\n  users: 2\n  pacing: 10ms\n  duration: 3s\n"
      "thresholds:\n  - \"p99 < 100ms\"\n  - \"p99_corrected < 500ms\"\n"
      "  - \"miss_rate < 50%\"\n");
  const auto out_file = work.path() / "paced.json";
  std::string out;
  CHECK_MESSAGE(run_command(golo_run({host_a.address(), host_b.address()},
                                     out_file, schedule),
                            &out) == 99,
                out);
  MESSAGE(out);
  const auto results = json::parse(read_text(out_file));
  const auto &total = results.at("total");
  const auto iterations = u64(total, "iterations");
  const auto missed = u64(total, "missed");
  CHECK(iterations == loaded_job_calls(host_a, "sleepy") +
                          loaded_job_calls(host_b, "sleepy"));
  CHECK(missed >= 2 * 99);
  CHECK(missed <= 2 * 102);
  CHECK(iterations + missed <= 600);
  CHECK(iterations + missed >= 580);
  // The corrected histogram is the two hosts' added counter by counter.
  CHECK(u64(total.at("histogram_corrected"), "count") == iterations + missed);
  CHECK(series_sum(results, "missed") == missed);
  std::uint64_t set_missed = 0;
  for (const auto &set : results.at("tag_sets"))
    set_missed += u64(set, "missed");
  CHECK(set_missed == missed);
  const double p99 = total.at("latency_corrected_us").at("p99").get<double>();
  CHECK(p99 >= 940'000);
  CHECK(p99 <= 1'050'000);
  CHECK(out.find("threshold \"p99 < 100ms\" holds") != std::string::npos);
  CHECK(out.find("threshold \"p99_corrected < 500ms\" crossed") !=
        std::string::npos);
  CHECK(out.find("threshold \"miss_rate < 50%\" holds") != std::string::npos);
  CHECK(out.find("\ncorrected ") != std::string::npos);
  CHECK(out.find("missed " + std::to_string(missed)) != std::string::npos);
}

TEST_CASE("open-model arrivals with no free user are counted as dropped") {
  TempDir dir;
  install_sleepy(dir.path(), 100);
  HostProcess host(dir.path());
  // 100 arrivals/s but 5 users of 100 ms calls serve at most 50/s: of the
  // 200 arrivals due in 2 s, about half find every user busy. A user freed
  // at t takes the next arrival due after t (<= 10 ms later), so each
  // serves 2 s / 100-110 ms = 18-20 iterations, 5 users 90-100 (+ the ones
  // in flight at the end, which finish within the graceful stop). The lower
  // bound allows for a loaded machine's slow wake-ups (seen: 86).
  const auto r = run_rpc(host, R"(version: job:latest
job:
  name: sleepy
  arrival_rate: 100
  max_users: 5
  duration: 2s
)");
  REQUIRE_MESSAGE(r.status.ok(), r.status.error_message());
  const auto &total = r.results.at("total");
  const auto iterations = u64(total, "iterations");
  const auto dropped = u64(total, "dropped");
  MESSAGE("5 users at 100/s: " << iterations << " iterations, " << dropped
                               << " dropped");
  // Never silent: every arrival is either run or dropped.
  CHECK(iterations + dropped + u64(total, "interrupted") == 200);
  CHECK(iterations >= 75);
  CHECK(iterations <= 105);
  CHECK(series_sum(r.results, "dropped") == dropped);
  CHECK(loaded_job_calls(host, "sleepy") == iterations);
}

TEST_CASE(
    "schedule errors name FILE:LINE:COLUMN through golo run and the RPC") {
  TempDir dir, schedules;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  HostProcess host(dir.path());
  struct Case {
    const char *what, *yaml, *where, *message;
  };
  const Case cases[] = {
      {"bad YAML", "job: {name: noop, users: 2\n",
       ":2:1:", "end of map flow not found"},
      {"unknown key",
       "job:\n  name: noop\n  users: 2\n  duration: 2s\n"
       "  userz: 3\n",
       ":5:3:",
       "unknown key \"userz\" in job; did you mean users? (allowed: name, "
       "users,"},
      {"negative duration", "job:\n  name: noop\n  users: 2\n  duration: -5\n",
       ":4:13:", "job.duration must not be negative"},
      {"negative Go duration",
       "job:\n  name: noop\n  users: 2\n  duration: 2s\n  pacing: -1s\n",
       ":5:11:", "job.pacing"},
      {"rate without a users ceiling",
       "job:\n  name: noop\n  arrival_rate: 10\n  duration: 2s\n",
       ":3:3:", "an arrival rate needs max_users"},
      {"zero users", "job:\n  name: noop\n  users: 0\n  duration: 2s\n",
       ":3:10:", "job.users must be at least 1, not 0"},
      {"both models",
       "job:\n  name: noop\n  users: 2\n  arrival_rate: 5\n  max_users: 2\n"
       "  duration: 2s\n",
       ":4:3:", "cannot be combined with users/stages"},
      {"pacing in the open model",
       "job:\n  name: noop\n  arrival_rate: 5\n  max_users: 2\n"
       "  pacing: 1s\n  duration: 2s\n",
       ":5:3:", "pacing applies only to the closed model"},
      {"no duration", "job:\n  name: noop\n  users: 2\n",
       ":2:3:", "job needs a duration"},
      {"bad threshold",
       "job:\n  name: noop\n  users: 2\n  duration: 2s\nthresholds:\n"
       "  - \"p99 < banana\"\n",
       ":6:5:", "banana"},
      {"empty file", "", ":1:1:", "empty schedule"},
  };
  for (const auto &c : cases) {
    CAPTURE(c.what);
    const auto file = write_schedule(schedules, "bad.yaml", c.yaml);
    const std::string expected_place = file.string() + c.where;
    std::string out;
    CHECK(run_command(cli() + "run --quiet --host " + host.address() + " " +
                          file.string(),
                      &out) == 2);
    CHECK_MESSAGE(out.find(expected_place) != std::string::npos, out);
    CHECK_MESSAGE(out.find(c.message) != std::string::npos, out);
    // The same text, unchanged, from a host asked directly.
    const auto r = run_rpc(host, c.yaml, file.string());
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_MESSAGE(r.status.error_message().starts_with(expected_place),
                  r.status.error_message());
    CHECK(r.status.error_message().find(c.message) != std::string::npos);
    CHECK(r.results.is_null());
  }
  // No load ran for any of them.
  CHECK(loaded_job_calls(host, "noop") == 0);

  // A job the host does not have: NOT_FOUND, naming the jobs it has.
  const std::string unknown =
      "job:\n  name: checkout\n  users: 1\n  duration: 1s\n";
  const auto r = run_rpc(host, unknown);
  CHECK(r.status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(r.status.error_message() ==
        "job \"checkout\" not found; jobs: noop, sleepy");
  std::string out;
  CHECK(run_command(
            cli() + "run --quiet --host " + host.address() + " " +
                write_schedule(schedules, "unknown.yaml", unknown).string(),
            &out) == 1);
  CHECK_MESSAGE(out.find("job \"checkout\" not found; jobs: noop, sleepy") !=
                    std::string::npos,
                out);
}

TEST_CASE("the caller disconnecting stops the load within a second") {
  TempDir dir;
  install_sleepy(dir.path(), 10);
  HostProcess host(dir.path());
  auto stub = golo::Runner::NewStub(host.channel());
  grpc::ClientContext ctx;
  golo::RunRequest req;
  req.set_scheduleyaml(
      "job:\n  name: sleepy\n  users: 4\n  pacing: 0\n  duration: 60s\n");
  auto reader = stub->Run(&ctx, req);
  // The first update (at 0 s) says the load started; wait for one that
  // shows iterations: the load is running.
  golo::RunUpdate update;
  REQUIRE(reader->Read(&update));
  REQUIRE(update.has_progress());
  CHECK(update.progress().elapsedseconds() == 0);
  do {
    REQUIRE(reader->Read(&update));
    REQUIRE(update.has_progress());
  } while (update.progress().iterations() == 0);
  REQUIRE(loaded_job_calls(host, "sleepy") > 0);
  const auto cancelled_at = Clock::now();
  ctx.TryCancel();
  // The host polls for the cancellation every 50 ms; then no new iteration
  // starts and the ones in flight (10 ms each) end. Watch the host's count
  // of calls into the plugin until it stops moving with none in flight.
  std::uint64_t in_flight = 1, last = loaded_job_calls(host, "sleepy");
  Clock::duration settled{};
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = loaded_job_calls(host, "sleepy", &in_flight);
    if (now == last && in_flight == 0) {
      settled = Clock::now() - cancelled_at;
      break;
    }
    last = now;
  }
  const double settled_s = std::chrono::duration<double>(settled).count();
  MESSAGE("load stopped " << settled_s << " s after the cancel");
  CHECK(settled_s > 0);
  CHECK(settled_s < 1.0);
  // And it stays stopped.
  const auto stopped_calls = loaded_job_calls(host, "sleepy");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  CHECK(loaded_job_calls(host, "sleepy", &in_flight) == stopped_calls);
  CHECK(in_flight == 0);
  while (reader->Read(&update)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
}

TEST_CASE("a remote-trigger run counts the calls the other host served") {
  TempDir empty, dir_b, work;
  install_sleepy(dir_b.path(), 2);
  HostProcess host_a(empty.path()), host_b(dir_b.path());
  // 2 users starting at 0, 100, ..., 1900 ms: 2 x 20 = 40 Job.Trigger RPCs
  // from host A to host B, none into A.
  const auto schedule =
      write_schedule(work, "remote.yaml",
                     "job:\n  name: sleepy\n  users: 2\n  pacing: 100ms\n"
                     "  duration: 2s\n");
  const auto out_file = work.path() / "remote.json";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --quiet --host " + host_a.address() +
                      " --remote-target " + host_b.address() + " --out " +
                      out_file.string() + " " + schedule.string(),
                  &out) == 0,
      out);
  const auto results = json::parse(read_text(out_file));
  const auto iterations = u64(results.at("total"), "iterations");
  CHECK(iterations == 40);
  CHECK(loaded_job_calls(host_b, "sleepy") == iterations);
  CHECK(u64(results.at("total"), "errors") == 0);
  // Over the RPC the latency includes the round trip: still >= the sleep.
  CHECK(results.at("total").at("latency_us").at("min").get<double>() >= 2000);
  CHECK(host_a.list().plugins_size() == 0);
}

TEST_CASE("golo run --out writes JSON and a crossed threshold exits 99") {
  TempDir dir, work;
  install_sleepy(dir.path(), 5);
  HostProcess host(dir.path());
  // 2 users, 10 iterations/s each for 2 s: 40. Every call sleeps 5 ms, so
  // "p99 < 1ms" is crossed and the other two hold.
  const auto schedule = write_schedule(work, "thresholds.yaml", R"(
version: job:latest
job:
  name: sleepy
  users: 2
  pacing: 100ms
  duration: 2s
thresholds:
  - "p99 < 1ms"
  - "error_rate < 1%"
  - "rate >= 10"
)");
  const auto out_file = work.path() / "results.json";
  std::string out;
  CHECK(run_command(golo_run({host.address()}, out_file, schedule), &out) ==
        99);
  CHECK_MESSAGE(
      out.find("threshold \"p99 < 1ms\" crossed") != std::string::npos, out);
  CHECK(out.find("threshold \"error_rate < 1%\" holds") != std::string::npos);
  const auto results = json::parse(read_text(out_file));
  CHECK(results.at("format") == "golo-results/1");
  // Overall and per tag set: sleepy sets no tags, so one set with key "".
  REQUIRE(results.at("tag_sets").size() == 1);
  for (const auto *stats : {&results.at("total"), &results.at("tag_sets")[0]}) {
    CHECK(u64(*stats, "iterations") == 40);
    CHECK(u64(*stats, "errors") == 0);
    CHECK(u64(*stats, "dropped") == 0);
    CHECK(u64(*stats, "interrupted") == 0);
    CHECK(stats->at("rate").get<double>() == doctest::Approx(20).epsilon(0.02));
    const auto &lat = stats->at("latency_us");
    for (const char *k : {"min", "p50", "p90", "p95", "p99", "p999", "max"})
      CHECK_MESSAGE(lat.at(k).get<double>() >= 5000, k);
    CHECK(lat.at("mean").get<double>() >= 5000);
    CHECK(lat.at("min").get<double>() <= lat.at("p50").get<double>());
    CHECK(lat.at("p99").get<double>() <= lat.at("max").get<double>());
  }
  const auto &series = results.at("series");
  CHECK(series.size() >= 2);
  CHECK(series_sum(results, "iterations") == 40);
  for (const auto &s : series)
    for (const char *k : {"second", "iterations", "errors", "dropped",
                          "active_users", "p50_us", "p99_us", "max_us"})
      CHECK_MESSAGE(s.contains(k), k);
  const auto &sched = results.at("schedule");
  CHECK(sched.at("job").at("name") == "sleepy");
  CHECK(sched.at("job").at("users") == 2);
  CHECK(sched.at("job").at("pacing_s") == 0.1);
  const auto &verdicts = results.at("thresholds");
  REQUIRE(verdicts.size() == 3);
  CHECK(verdicts[0].at("threshold") == "p99 < 1ms");
  CHECK(verdicts[0].at("crossed") == true);
  CHECK(verdicts[1].at("crossed") == false);
  CHECK(verdicts[2].at("crossed") == false);
}

TEST_CASE("golo run on two hosts splits the users and sums the results") {
  TempDir dir_a, dir_b, work;
  for (const auto *d : {&dir_a, &dir_b}) install_sleepy(d->path(), 1);
  HostProcess host_a(dir_a.path()), host_b(dir_b.path());
  // 3 users split 2 + 1 (the remainder to the first host), each 10/s for
  // 2 s: host A runs 40 iterations, host B 20, the merged results 60.
  const auto schedule = write_schedule(
      work, "split.yaml",
      "job:\n  name: sleepy\n  users: 3\n  pacing: 100ms\n  duration: 2s\n");
  const auto out_file = work.path() / "split.json";
  std::string out;
  REQUIRE_MESSAGE(run_command(golo_run({host_a.address(), host_b.address()},
                                       out_file, schedule),
                              &out) == 0,
                  out);
  const auto results = json::parse(read_text(out_file));
  const auto a = loaded_job_calls(host_a, "sleepy");
  const auto b = loaded_job_calls(host_b, "sleepy");
  MESSAGE("two hosts: " << a << " + " << b);
  CHECK(a == 40);
  CHECK(b == 20);
  CHECK(u64(results.at("total"), "iterations") == a + b);
  CHECK(series_sum(results, "iterations") == a + b);
  REQUIRE(results.at("hosts").size() == 2);
  for (const auto &h : results.at("hosts")) CHECK(h.at("ok") == true);
  // The summary printed the merged total.
  CHECK(out.find("60") != std::string::npos);

  // Open model: 20/s with max_users 1 splits 10/s + 10/s, and the second
  // host still gets a user to serve its arrivals (1/2 rounds down to 0).
  // 1 s: 10 arrivals each, 1 ms calls, nothing dropped.
  const auto open = write_schedule(
      work, "split-open.yaml",
      "job:\n  name: sleepy\n  arrival_rate: 20\n  max_users: 1\n"
      "  duration: 1s\n");
  out.clear();
  REQUIRE_MESSAGE(run_command(golo_run({host_a.address(), host_b.address()},
                                       out_file, open),
                              &out) == 0,
                  out);
  const auto open_results = json::parse(read_text(out_file));
  CHECK(u64(open_results.at("total"), "iterations") == 20);
  CHECK(u64(open_results.at("total"), "dropped") == 0);
  CHECK(loaded_job_calls(host_a, "sleepy") == a + 10);
  CHECK(loaded_job_calls(host_b, "sleepy") == b + 10);
}

TEST_CASE(
    "a host that is not there stops the run before any load, unless "
    "--allow-partial gives its share to the hosts that are") {
  TempDir dir, work;
  install_sleepy(dir.path(), 1);
  HostProcess host(dir.path());
  const std::string absent = "127.0.0.1:" + std::to_string(free_port());
  const auto schedule = write_schedule(
      work, "half.yaml",
      "job:\n  name: sleepy\n  users: 2\n  pacing: 100ms\n  duration: 1s\n");
  const auto out_file = work.path() / "half.json";
  std::string out;
  CHECK(run_command(golo_run({host.address(), absent}, out_file, schedule),
                    &out) == 1);
  CHECK(out.find("golo run: host " + absent + ": cannot reach golo-host at " +
                 absent) != std::string::npos);
  CHECK(out.find("no load started") != std::string::npos);
  CHECK(!std::filesystem::exists(out_file));
  CHECK(loaded_job_calls(host, "sleepy") == 0);

  // Both users on the host that is there: 2 x 10/s for 1 s.
  out.clear();
  CHECK(run_command(golo_run({host.address(), absent}, out_file, schedule) +
                        " --allow-partial",
                    &out) == 0);
  const auto results = json::parse(read_text(out_file));
  CHECK(u64(results.at("total"), "iterations") ==
        loaded_job_calls(host, "sleepy"));
  CHECK(u64(results.at("total"), "iterations") == 20);
  REQUIRE(results.at("hosts").size() == 2);
  CHECK(results.at("hosts")[0].at("ok") == true);
  CHECK(results.at("hosts")[1].at("ok") == false);
  CHECK(results.at("hosts")[1].at("left_out") == true);

  // With no host at all there is nothing to report.
  out.clear();
  CHECK(run_command(
            cli() + "run --quiet --host " + absent + " " + schedule.string(),
            &out) == 1);
  CHECK(out.find("cannot reach golo-host at " + absent) != std::string::npos);
  CHECK(out.find("TAG SET") == std::string::npos);
}

// A host that dies mid-run: run_stop_test.cpp.

TEST_CASE("golo run names a schedule file it cannot read") {
  TempDir work;
  const auto missing = (work.path() / "nope.yaml").string();
  std::string out;
  CHECK(run_command(cli() + "run " + missing, &out) == 2);
  CHECK(out.find("golo run: cannot read " + missing) != std::string::npos);
}

TEST_CASE("go-lo's payload runs unchanged: N users once a second") {
  TempDir dir, work;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());
  // go-lo's agent schedule: duration in whole seconds, no pacing given.
  // Each of 3 users triggers at 0 s and 1 s: 6 iterations exactly.
  const auto schedule = write_schedule(
      work, "golo.yaml",
      "version: job:latest\njob:\n  name: noop\n  users: 3\n  duration: 2\n");
  const auto out_file = work.path() / "golo.json";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(golo_run({host.address()}, out_file, schedule), &out) == 0,
      out);
  const auto results = json::parse(read_text(out_file));
  CHECK(u64(results.at("total"), "iterations") == 6);
  CHECK(loaded_job_calls(host, "noop") == 6);
  CHECK(results.at("schedule").at("version") == "job:latest");
  CHECK(results.at("schedule").at("job").at("pacing_s") == 1.0);
  CHECK(results.at("schedule").at("job").at("duration_s") == 2.0);
}

TEST_CASE("http_get against nginx keeps status=200 apart from status=500") {
  NginxProcess nginx;
  TempDir dir, work;
  install_plugin(example_plugin("http_get"), dir.path(), "ok");
  install_plugin(example_plugin("http_get"), dir.path(), "broken");
  write_text(dir.path() / "ok.conf", "url = " + nginx.url("/ok") + "\n");
  write_text(dir.path() / "broken.conf", "url = " + nginx.url("/500") + "\n");
  HostProcess host(dir.path());
  auto run_job = [&](const std::string &job) {
    const auto schedule =
        write_schedule(work, job + ".yaml",
                       "job:\n  name: " + job +
                           "\n  users: 2\n  pacing: 50ms\n  duration: 1s\n"
                           "thresholds:\n  - \"error_rate < 1%\"\n");
    const auto out_file = work.path() / (job + ".json");
    std::string out;
    const int rc =
        run_command(golo_run({host.address()}, out_file, schedule), &out);
    return std::tuple{rc, out, json::parse(read_text(out_file))};
  };
  // 2 users x 1 s / 50 ms = 40 requests each run.
  {
    auto [rc, out, results] = run_job("ok");
    CHECK_MESSAGE(rc == 0, out);
    REQUIRE(results.at("tag_sets").size() == 1);
    const auto &set = results.at("tag_sets")[0];
    CHECK(set.at("key") == "status=200,url=" + nginx.url("/ok"));
    CHECK(set.at("tags").at("status") == "200");
    CHECK(u64(set, "iterations") == 40);
    CHECK(u64(set, "errors") == 0);
  }
  {
    auto [rc, out, results] = run_job("broken");
    // Every request failed: error_rate 100% crosses the threshold.
    CHECK_MESSAGE(rc == 99, out);
    CHECK(out.find("threshold \"error_rate < 1%\" crossed") !=
          std::string::npos);
    REQUIRE(results.at("tag_sets").size() == 1);
    const auto &set = results.at("tag_sets")[0];
    CHECK(set.at("key") == "status=500,url=" + nginx.url("/500"));
    CHECK(u64(set, "iterations") == 40);
    CHECK(u64(set, "errors") == 40);
    REQUIRE(set.at("error_samples").size() == 1);
    CHECK(set.at("error_samples")[0].at("text") == "HTTP 500");
    CHECK(u64(set.at("error_samples")[0], "count") == 40);
    CHECK(results.at("total").at("error_rate").get<double>() == 1.0);
  }
}

TEST_CASE("every example schedule and every schedule in the docs is valid") {
  // A host with no plugins parses a schedule before it looks for the job:
  // a valid one gets NOT_FOUND (no such job here), a bad one
  // INVALID_ARGUMENT with its FILE:LINE:COLUMN.
  TempDir empty;
  HostProcess host(empty.path());
  const fs::path root = plugin_include_dir().parent_path().parent_path();
  std::vector<std::pair<std::string, std::string>> schedules;  // name, yaml
  for (const auto &e : fs::directory_iterator(root / "examples"))
    if (e.path().extension() == ".yaml")
      schedules.emplace_back(e.path().string(), read_text(e.path()));
  const std::string doc = read_text(root / "docs/schedules.md");
  const std::string open = "```yaml\n";
  for (auto at = doc.find(open); at != std::string::npos;
       at = doc.find(open, at)) {
    at += open.size();
    const auto end = doc.find("```", at);
    REQUIRE(end != std::string::npos);
    schedules.emplace_back(
        "docs/schedules.md block " + std::to_string(schedules.size()),
        doc.substr(at, end - at));
  }
  CHECK(schedules.size() >= 10);
  for (const auto &[name, yaml] : schedules) {
    CAPTURE(name);
    // A run names one scenario; a pre-flight naming none checks them all.
    const bool scenarios = yaml.find("scenarios:") != std::string::npos;
    const auto r = run_rpc(host, yaml, name, "", scenarios);
    CHECK_MESSAGE(r.status.error_code() == grpc::StatusCode::NOT_FOUND,
                  r.status.error_message());
  }
}
