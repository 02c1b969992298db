// Hot reload end to end (issue 3): a real golo-host serving calls from
// several client threads without pause while its plugin file is swapped
// between two builds (version_a, version_b) and reloaded through each
// trigger. Nothing may be lost: no failed RPC, every response whole from one
// version, no call started after a reload returned served by the old one,
// old versions shut down once after their last call, and nothing left
// mapped or on disk.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "host_process.h"

using namespace golo::test;
using Clock = std::chrono::steady_clock;

namespace {

// A response comes whole from exactly one version: output, tag and the
// host's pluginVersion agree, and name one of the two builds.
bool whole(const golo::Response &r) {
  return (r.output() == "a" || r.output() == "b") &&
         tag(r, "version") == r.output() && r.pluginversion() == r.output();
}

struct Call {
  Clock::time_point start, end;
  grpc::StatusCode code;
  std::string message;
  golo::Response resp;
};

// Client threads calling one job back to back, each on its own connection,
// recording every call. stop() joins them and returns all the calls.
class Load {
 public:
  Load(const HostProcess &host, std::string job, int threads) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, &host, job] {
        auto stub = golo::Job::NewStub(host.channel());
        std::vector<Call> mine;
        golo::Context req;
        req.set_jobname(job);
        while (!stop_.load(std::memory_order_relaxed)) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
          Call c;
          c.start = Clock::now();
          const auto s = stub->Trigger(&ctx, req, &c.resp);
          c.end = Clock::now();
          c.code = s.error_code();
          c.message = s.error_message();
          mine.push_back(std::move(c));
        }
        std::lock_guard lock(mutex_);
        for (auto &c : mine) calls_.push_back(std::move(c));
      });
  }
  ~Load() { stop(); }
  std::vector<Call> stop() {
    stop_ = true;
    for (auto &t : threads_)
      if (t.joinable()) t.join();
    return std::move(calls_);
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Call> calls_;
  std::vector<std::thread> threads_;
};

// The host's private directory for copies: a golo-host.XXXXXX it creates
// under $RUNTIME_DIRECTORY (the first place it looks), here a directory
// the test owns.
std::vector<std::string> tmpdir_env(const TempDir &tmp) {
  return {"RUNTIME_DIRECTORY=" + tmp.path().string()};
}
fs::path private_dir(const TempDir &tmp, const HostProcess &host) {
  return private_dir_of(tmp.path(), host.worker_pid());
}

// Distinct files under dir that the process has mapped.
std::set<std::string> mapped_under(pid_t pid, const fs::path &dir) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::set<std::string> out;
  for (std::string line; std::getline(maps, line);) {
    const auto at = line.find(dir.string() + "/");
    if (at == std::string::npos) continue;
    auto path = line.substr(at);
    if (auto del = path.find(" (deleted)"); del != std::string::npos)
      path.resize(del);
    out.insert(path);
  }
  return out;
}

// Polls until pred holds or timeout; returns pred's last answer.
bool eventually(const std::function<bool()> &pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto end = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > end) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::uint64_t generation_of(const HostProcess &host, const std::string &job) {
  const auto listing = host.list();
  for (const auto &p : listing.plugins())
    if (p.job() == job) return p.generation();
  return 0;
}

// Private copies on disk: everything but the host's pid file.
std::size_t files_in(const fs::path &dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec);
       !ec && it != fs::directory_iterator(); ++it)
    n += it->path().filename() != "pid";
  return n;
}

// One reload as the test saw it: from before the trigger to after the swap
// was observed (the RPC returned, or the listing showed the new generation).
struct Swap {
  Clock::time_point sent, done;
  std::uint64_t generation;
  std::string version;
};

// Checks the calls against the swaps: none failed, each whole, each served by
// the generation the listing gave its letter, and none that started after a
// swap was done served by an older generation.
void check_calls(const std::vector<Call> &calls,
                 const std::vector<Swap> &swaps) {
  std::map<std::uint64_t, std::string> letter;
  for (const auto &s : swaps) letter[s.generation] = s.version;
  std::size_t failed = 0, broken = 0, stale = 0, wrong_letter = 0;
  std::string first_problem;
  for (const auto &c : calls) {
    auto note = [&](std::size_t &n, const std::string &what) {
      if (n++ == 0 && first_problem.empty()) first_problem = what;
    };
    if (c.code != grpc::StatusCode::OK) {
      note(failed, "failed RPC: " + c.message);
      continue;
    }
    if (!whole(c.resp))
      note(broken, "mixed response: output " + c.resp.output() + " tag " +
                       tag(c.resp, "version") + " pluginVersion " +
                       c.resp.pluginversion());
    const auto g = c.resp.plugingeneration();
    if (auto it = letter.find(g);
        it != letter.end() && it->second != c.resp.output())
      note(wrong_letter,
           "generation " + std::to_string(g) + " answered " + c.resp.output());
    // The newest swap done before this call started sets its minimum.
    std::uint64_t min_gen = 0;
    for (const auto &s : swaps)
      if (s.done <= c.start) min_gen = std::max(min_gen, s.generation);
    if (g < min_gen)
      note(stale, "call started after generation " + std::to_string(min_gen) +
                      " was serving got generation " + std::to_string(g));
  }
  INFO("calls: ", calls.size(), "; first problem: ", first_problem);
  CHECK(failed == 0);
  CHECK(broken == 0);
  CHECK(wrong_letter == 0);
  CHECK(stale == 0);
}

// How many swaps happened while a call was running (start < done < end):
// proof that the load really overlapped the reloads.
std::size_t swaps_under_load(const std::vector<Call> &calls,
                             const std::vector<Swap> &swaps) {
  std::size_t n = 0;
  for (const auto &s : swaps)
    for (const auto &c : calls)
      if (c.start < s.sent && c.end > s.sent) {
        ++n;
        break;
      }
  return n;
}

const char *other(const std::string &v) { return v == "a" ? "b" : "a"; }

}  // namespace

TEST_CASE("reload stress: 100 swaps under load lose no call and leak no copy") {
  TempDir dir, tmp;
  auto env = tmpdir_env(tmp);
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  HostProcess host(dir.path(), {}, env);
  const auto priv = private_dir(tmp, host);
  REQUIRE(fs::is_directory(priv));

  std::vector<Swap> swaps{{Clock::now(), Clock::now(), 1, "a"}};
  Load load(host, "job", 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::string v = "a";
  std::size_t not_replaced = 0;
  for (int i = 0; i < 100; ++i) {
    v = other(v);
    install_plugin(test_plugin("version_" + v), dir.path(), "job");
    Swap s{Clock::now(), {}, 0, v};
    const auto reply = host.reload();
    s.done = Clock::now();
    if (reply.files_size() != 1 ||
        reply.files(0).outcome() != golo::FileOutcome::REPLACED)
      ++not_replaced;
    const auto listing = host.list();
    REQUIRE(listing.plugins_size() == 1);
    CHECK(listing.plugins(0).version() == v);
    s.generation = listing.plugins(0).generation();
    swaps.push_back(s);
  }
  const auto calls = load.stop();
  CHECK(not_replaced == 0);
  CHECK(swaps.back().generation == 101);
  CHECK(calls.size() > 200);
  check_calls(calls, swaps);
  CHECK(swaps_under_load(calls, swaps) > 50);

  // Drained: one generation left, one copy mapped, no copy on disk.
  CHECK(eventually([&] { return host.list().plugins(0).draining() == 0; }));
  const auto pid = host.worker_pid();
  eventually([&] { return mapped_under(pid, priv).size() == 1; });
  const auto mapped = mapped_under(pid, priv);
  INFO("mapped: ", mapped.size());
  CHECK(mapped.size() == 1);
  CHECK(files_in(priv) == 0);
  golo::Response r;
  REQUIRE(host.trigger("job", r).ok());
  CHECK(r.output() == v);
  CHECK(host.stop() == 0);
  CHECK_FALSE(fs::exists(priv));
}

namespace {

// Swaps job `rounds` times under load, each reload fired by `fire`; waits
// for the listing to show the new version (the trigger may be asynchronous)
// and checks the calls as the stress test does.
void swap_through(const HostProcess &host, const fs::path &dir, int rounds,
                  const std::function<void()> &fire) {
  std::vector<Swap> swaps{
      {Clock::now(), Clock::now(), generation_of(host, "job"), "a"}};
  Load load(host, "job", 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  std::string v = "a";
  for (int i = 0; i < rounds; ++i) {
    v = other(v);
    install_plugin(test_plugin("version_" + v), dir, "job");
    Swap s{Clock::now(), {}, 0, v};
    const auto before = swaps.back().generation;
    fire();
    REQUIRE(eventually([&] { return generation_of(host, "job") > before; }));
    s.done = Clock::now();
    s.generation = generation_of(host, "job");
    CHECK(host.list().plugins(0).version() == v);
    swaps.push_back(s);
  }
  const auto calls = load.stop();
  CHECK(calls.size() > 10);
  check_calls(calls, swaps);
}

}  // namespace

TEST_CASE("reload trigger golo reload swaps under load and prints outcomes") {
  TempDir dir;
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());
  const std::string cmd =
      golo_cli_binary().string() + " reload --host " + host.address();
  swap_through(host, dir.path(), 6, [&] {
    std::string out;
    CHECK(run_command(cmd, &out) == 0);
    CHECK(out == "replaced  " + (dir.path() / "job.so").string() + "\n" +
                     "unchanged " + (dir.path() / "noop.so").string() + "\n");
  });
  // The log names every file and its outcome, unchanged ones too.
  CHECK(host.log().find("plugin noop: unchanged (" +
                        (dir.path() / "noop.so").string() + ")") !=
        std::string::npos);
  // Added and removed, as the plugin guide shows them.
  fs::remove(dir.path() / "noop.so");
  install_plugin(example_plugin("noop"), dir.path(), "fresh");
  std::string out;
  CHECK(run_command(cmd, &out) == 0);
  CHECK(out == "added     " + (dir.path() / "fresh.so").string() + "\n" +
                   "unchanged " + (dir.path() / "job.so").string() + "\n" +
                   "removed   " + (dir.path() / "noop.so").string() + "\n");
}

TEST_CASE("reload trigger SIGHUP swaps under load") {
  TempDir dir;
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  HostProcess host(dir.path());
  swap_through(host, dir.path(), 6, [&] { host.signal(SIGHUP); });
  CHECK(host.log().find("SIGHUP: reloading plugins") != std::string::npos);
}

TEST_CASE("reload trigger --watch swaps under load and ignores hidden files") {
  TempDir dir;
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  HostProcess host(dir.path(), {"--watch"});
  REQUIRE(eventually(
      [&] { return host.log().find("watching") != std::string::npos; }));
  swap_through(host, dir.path(), 4, [] {});

  // A file being written under a hidden name is never loaded; a new file
  // renamed into place is.
  const auto gen = generation_of(host, "job");
  write_text(dir.path() / ".half.so", "not yet");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(host.list().plugins_size() == 1);
  CHECK(host.list().failures_size() == 0);
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  CHECK(eventually([&] { return host.list().plugins_size() == 2; }));
  CHECK(generation_of(host, "job") == gen);  // unchanged: left alone
  fs::remove(dir.path() / "noop.so");
  CHECK(eventually([&] { return host.list().plugins_size() == 1; }));
}

TEST_CASE(
    "removal under load: in-flight calls finish and later calls get "
    "NOT_FOUND") {
  TempDir dir, logs;
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  // Calls long enough that some are surely in flight when the file goes,
  // however slow the machine (sanitizer builds) makes the reload.
  write_text(dir.path() / "job.conf", "sleep_ms = 300\n");
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  const auto shutdown_log = logs.path() / "shutdown.log";
  HostProcess host(dir.path(), {},
                   {"GOLO_TEST_SHUTDOWN_LOG=" + shutdown_log.string()});
  Load load(host, "job", 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  fs::remove(dir.path() / "job.so");
  const auto sent = Clock::now();
  const auto reply = host.reload();
  const auto done = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  const auto calls = load.stop();

  std::map<std::string, golo::FileOutcome::Outcome> outcome;
  for (const auto &f : reply.files()) outcome[f.job()] = f.outcome();
  CHECK(outcome["job"] == golo::FileOutcome::REMOVED);
  CHECK(outcome["noop"] == golo::FileOutcome::UNCHANGED);

  std::size_t ok = 0, not_found = 0, other_error = 0, finished_across = 0,
              early_not_found = 0, late_ok = 0;
  for (const auto &c : calls) {
    if (c.code == grpc::StatusCode::OK) {
      ++ok;
      if (!whole(c.resp) || c.resp.output() != "a") ++other_error;
      if (c.start >= done) ++late_ok;
      if (c.start < sent && c.end > sent) ++finished_across;
    } else if (c.code == grpc::StatusCode::NOT_FOUND) {
      ++not_found;
      if (c.end < sent) ++early_not_found;
      CHECK(c.message == "job \"job\" not found; jobs: noop");
    } else {
      ++other_error;
    }
  }
  CHECK(other_error == 0);
  CHECK(ok > 0);
  CHECK(not_found > 0);
  CHECK(late_ok == 0);          // nothing started after the reload ran it
  CHECK(early_not_found == 0);  // nothing before the reload was refused
  CHECK(finished_across > 0);   // calls in flight at removal finished
  CHECK(host.list().plugins_size() == 1);
  // The removed version shut down once, after its last call: it counted
  // exactly the calls that succeeded.
  CHECK(eventually([&] { return !read_text(shutdown_log).empty(); }));
  CHECK(read_text(shutdown_log) == "shutdown a " + std::to_string(ok) + "\n");
}

TEST_CASE("a failing replacement under load leaves the old version serving") {
  TempDir dir, tmp;
  auto env = tmpdir_env(tmp);
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  HostProcess host(dir.path(), {}, env);
  const auto priv = private_dir(tmp, host);
  const std::string cli = golo_cli_binary().string() + " ";
  const std::string file = (dir.path() / "job.so").string();
  Load load(host, "job", 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  // Not an ELF file: refused before dlopen; golo reload says so, exits 1.
  install_plugin(test_plugin("not_elf"), dir.path(), "job");
  std::string out;
  CHECK(run_command(cli + "reload --host " + host.address(), &out) == 1);
  CHECK(out.find("failed    " + file + ": not an ELF") != std::string::npos);
  CHECK(out.find("1 file(s) failed to load") != std::string::npos);
  golo::Response r;
  REQUIRE(host.trigger("job", r).ok());
  CHECK(r.output() == "a");

  // dlopen'd, then init fails: closed again, old version still serving.
  install_plugin(test_plugin("init_fails"), dir.path(), "job");
  auto reply = host.reload();
  REQUIRE(reply.files_size() == 1);
  CHECK(reply.files(0).outcome() == golo::FileOutcome::FAILED);
  CHECK(reply.files(0).reason().find("init failed") != std::string::npos);
  auto listing = host.list();
  REQUIRE(listing.plugins_size() == 1);
  CHECK(listing.plugins(0).version() == "a");
  CHECK(listing.plugins(0).generation() == 1);
  REQUIRE(listing.failures_size() == 1);
  CHECK(listing.failures(0).file() == file);
  out.clear();
  CHECK(run_command(cli + "plugins --host " + host.address(), &out) == 0);
  CHECK(out.find("not loaded: " + file + ": init failed") != std::string::npos);
  REQUIRE(host.trigger("job", r).ok());
  CHECK(r.output() == "a");

  // A good file at last replaces it.
  install_plugin(test_plugin("version_b"), dir.path(), "job");
  out.clear();
  CHECK(run_command(cli + "reload --host " + host.address(), &out) == 0);
  CHECK(out == "replaced  " + file + "\n");
  const auto done = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto calls = load.stop();
  std::size_t bad = 0, a = 0, b = 0, late_a = 0;
  for (const auto &c : calls) {
    if (c.code != grpc::StatusCode::OK || !whole(c.resp)) {
      ++bad;
      continue;
    }
    (c.resp.output() == "a" ? a : b)++;
    if (c.resp.output() == "a" && c.start > done) ++late_a;
  }
  CHECK(bad == 0);
  CHECK(a > 0);
  CHECK(b > 0);
  CHECK(late_a == 0);
  CHECK(host.list().failures_size() == 0);
  CHECK(eventually(
      [&] { return mapped_under(host.worker_pid(), priv).size() == 1; }));
  CHECK(files_in(priv) == 0);
}

TEST_CASE(
    "a file replaced while calls are in flight shuts down once after "
    "the last") {
  TempDir dir, logs;
  // a's calls stay in flight until the test opens the gate: no timing.
  const auto gate = logs.path() / "gate";
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  write_text(dir.path() / "job.conf", "gate = " + gate.string() + "\n");
  const auto shutdown_log = logs.path() / "shutdown.log";
  HostProcess host(dir.path(), {},
                   {"GOLO_TEST_SHUTDOWN_LOG=" + shutdown_log.string()});
  std::vector<std::future<Call>> slow;
  for (int i = 0; i < 3; ++i)
    slow.push_back(std::async(std::launch::async, [&] {
      Call c;
      c.start = Clock::now();
      const auto s = host.trigger("job", c.resp);
      c.end = Clock::now();
      c.code = s.error_code();
      return c;
    }));
  REQUIRE(eventually([&] { return host.list().plugins(0).inflight() == 3; }));

  install_plugin(test_plugin("version_b"), dir.path(), "job");
  write_text(dir.path() / "job.conf", "sleep_ms = 0\n");
  const auto reply = host.reload();
  REQUIRE(reply.files_size() == 1);
  CHECK(reply.files(0).outcome() == golo::FileOutcome::REPLACED);

  // b serves at once while a drains; a has not shut down.
  golo::Response r;
  REQUIRE(host.trigger("job", r).ok());
  CHECK(r.output() == "b");
  auto listing = host.list();
  CHECK(listing.plugins(0).version() == "b");
  CHECK(listing.plugins(0).draining() == 1);
  CHECK(listing.plugins(0).calls() == 1);
  std::string out;
  CHECK(run_command(golo_cli_binary().string() + " plugins --json --host " +
                        host.address(),
                    &out) == 0);
  CHECK(out.find("\"draining\": 1") != std::string::npos);
  CHECK(read_text(shutdown_log).empty());

  write_text(gate, "");
  for (auto &f : slow) {
    const auto c = f.get();
    CHECK(c.code == grpc::StatusCode::OK);
    CHECK(c.resp.output() == "a");
    CHECK(whole(c.resp));
  }
  CHECK(eventually([&] { return host.list().plugins(0).draining() == 0; }));
  CHECK(read_text(shutdown_log) == "shutdown a 3\n");
  CHECK(host.stop() == 0);
  CHECK(read_text(shutdown_log) == "shutdown a 3\nshutdown b 1\n");
}
