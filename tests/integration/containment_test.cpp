// Containment of what plugin code does outside its calls (issue 20): a
// thread it started that exits or aborts, an alarm or SIGKILL raised in
// golo_init, signals to the supervisor, forked helpers, SIGPIPE, a stack
// overflow, a replaced SIGSEGV handler. Each against a real supervised
// golo-host with an innocent job (sleepy) answering calls throughout: the
// culprit is named and quarantined, the innocent job never is, nothing of
// the dead worker's tree is left, and the host serves again within 1 s.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "host_process.h"
#include "supervisor_support.h"

using namespace golo::test;

TEST_CASE(
    "a plugin's own thread that calls _exit after its call returned is "
    "blamed and not the job whose calls were running") {
  TempDir dir;
  install_with_innocents(dir, "thread_exit");
  HostProcess host(dir.path(), {}, crash_env());
  {
    Callers sleepy(host, "sleepy");
    golo::Response r;
    REQUIRE(host.trigger("thread_exit", r).ok());
    check_contained(host, "thread_exit",
                    "exited (_exit() called, status 3) in a thread the plugin "
                    "started");
    CHECK(sleepy.ok() > 0);
  }
}

TEST_CASE(
    "an assert failing on a plugin's own thread is blamed on the plugin "
    "whatever the pc") {
  TempDir dir;
  install_with_innocents(dir, "thread_abort");
  HostProcess host(dir.path(), {}, crash_env());
  Callers sleepy(host, "sleepy");
  golo::Response r;
  REQUIRE(host.trigger("thread_abort", r).ok());
  check_contained(host, "thread_abort",
                  "SIGABRT in a thread the plugin started");
}

TEST_CASE(
    "alarm() armed in golo_init is blamed on that plugin and ends in one "
    "restart and not a loop") {
  TempDir dir;
  install_with_innocents(dir, "init_alarm");
  HostProcess host(dir.path(), {}, crash_env());
  Callers sleepy(host, "sleepy");
  check_contained(host, "init_alarm", "SIGALRM");
  std::this_thread::sleep_for(1500ms);  // another alarm would have fired
  CHECK(worker_pid(host, 3) == -1);
  CHECK(host.log().find("in golo_init of job \"init_alarm\"") !=
        std::string::npos);
}

TEST_CASE(
    "raise(SIGKILL) in golo_init is blamed on the evidence of the raise and "
    "the host starts without it") {
  TempDir dir;
  install_with_innocents(dir, "init_sigkill");
  HostProcess host(dir.path(), {}, crash_env());  // ready: worker 2 serves
  check_contained(host, "init_sigkill", "SIGKILL");
  CHECK(host.log().find("sent by the plugin to its own worker") !=
        std::string::npos);
  CHECK(worker_pid(host, 3) == -1);
}

TEST_CASE(
    "a plugin signalling the supervisor or its own group does not stop the "
    "host") {
  TempDir dir;
  install_with_innocents(dir, "signals_host");
  HostProcess host(dir.path(), {}, crash_env());
  golo::Response r;
  REQUIRE(host.trigger("signals_host", r).ok());
  CHECK(r.output() == "stop=-1 kill=-1");  // refused by the worker
  std::this_thread::sleep_for(300ms);
  CHECK(host.trigger("noop", r).ok());
  CHECK(worker_pid(host, 2) == -1);  // the same worker serves on
  const std::string log = host.log();
  CHECK(log.find("sent SIGKILL to pid " + std::to_string(host.pid()) +
                 ": refused") != std::string::npos);
  CHECK(log.find("in a worker's process tree: a plugin's doing, ignored") !=
        std::string::npos);
  CHECK(log.find("ignored; a plugin may not stop its host") !=
        std::string::npos);
  CHECK(host.list().failures_size() == 0);
  CHECK(host.stop() == 0);  // an operator's SIGTERM still stops it
}

TEST_CASE(
    "a helper a plugin forked dies with its worker and with the host and "
    "the port is free at once") {
  TempDir dir;
  install_with_innocents(dir, "fork_helper");
  auto host = std::make_unique<HostProcess>(
      dir.path(), std::vector<std::string>{}, crash_env());
  golo::Response r;
  REQUIRE(host->trigger("fork_helper", r).ok());
  const pid_t helper = std::stoi(r.output());
  CHECK(alive(helper));
  kill(host->worker_pid(), SIGSEGV);  // the worker is replaced
  CHECK(wait_until([&] { return !alive(helper); }, 2000ms));
  // No orphan holds the listening socket: every new connection answers.
  CHECK(time_to_answer(*host, "noop") < kBackWithin);
  int answered = 0;
  for (int i = 0; i < 40; ++i)
    answered += trigger_with_deadline(*host, "noop", 1000ms).ok();
  CHECK(answered == 40);

  REQUIRE(host->trigger("fork_helper", r).ok());
  const pid_t second = std::stoi(r.output());
  const int port = host->port();
  CHECK(host->stop() == 0);
  CHECK(!alive(second));
  host.reset();
  HostProcess again(dir.path(),
                    {"--listen", "127.0.0.1:" + std::to_string(port)},
                    crash_env());
  CHECK(again.port() == port);
}

TEST_CASE(
    "a golo_init that forks and crashes: the supervisor does not wait on the "
    "helper which is killed and SIGTERM works") {
  TempDir dir;
  install_with_innocents(dir, "init_fork_segv");
  HostProcess host(dir.path(), {}, crash_env());
  check_contained(host, "init_fork_segv", "SIGSEGV in golo_init");
  const auto start = Clock::now();
  CHECK(host.stop() == 0);
  CHECK(Clock::now() - start < 2s);
}

TEST_CASE("a write to a closed socket fails with EPIPE and the worker lives") {
  TempDir dir;
  install_with_innocents(dir, "sigpipe");
  HostProcess host(dir.path(), {}, crash_env());
  golo::Response r;
  REQUIRE(host.trigger("sigpipe", r).ok());
  CHECK(r.output() == "EPIPE");
  CHECK(worker_pid(host, 2) == -1);
}

TEST_CASE(
    "a stack overflow is attributed while other jobs' calls are in flight") {
  TempDir dir;
  install_with_innocents(dir, "recursion");
  HostProcess host(dir.path(), {}, crash_env());
  Callers sleepy(host, "sleepy");
  std::this_thread::sleep_for(100ms);
  golo::Response r;
  CHECK_FALSE(host.trigger("recursion", r).ok());
  check_contained(host, "recursion", "SIGSEGV in golo_trigger");
}

TEST_CASE(
    "a SIGSEGV handler installed by golo_init is replaced by the worker's so "
    "the crash is attributed instead of spinning") {
  TempDir dir;
  install_with_innocents(dir, "segv_handler");
  HostProcess host(dir.path(), {}, crash_env());
  CHECK(host.log().find("golo_init replaced the worker's SEGV handler; "
                        "restored") != std::string::npos);
  golo::Response r;
  CHECK_FALSE(host.trigger("segv_handler", r).ok());
  check_contained(host, "segv_handler", "SIGSEGV in golo_trigger");
}

TEST_CASE(
    "a signal from outside blames no plugin even with another job's calls "
    "in flight") {
  TempDir dir;
  install_with_innocents(dir, "sigpipe");
  HostProcess host(dir.path(), {}, crash_env());
  for (int n = 1; n <= 2; ++n) {
    CAPTURE(n);
    std::thread call([&] { trigger_with_deadline(host, "sleepy", 2000ms); });
    std::this_thread::sleep_for(5ms);
    kill(host.worker_pid(), SIGUSR1);
    call.join();
    CHECK(time_to_answer(host, "noop") < 2000ms);
  }
  CHECK(host.log().find("died of SIGUSR1 sent by pid " +
                        std::to_string(getpid()) + " from outside") !=
        std::string::npos);
  CHECK(host.list().failures_size() == 0);
}

TEST_CASE(
    "a death with no evidence makes a suspect that is quarantined only on a "
    "second "
    "strike") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("raw_exit"), dir.path(), "raw_exit");
  HostProcess host(dir.path(), {}, crash_env());
  golo::Response r;
  CHECK_FALSE(host.trigger("raw_exit", r).ok());
  CHECK(time_to_answer(host, "noop") < kBackWithin);
  CHECK(host.log().find("in golo_trigger of job \"raw_exit\"") !=
        std::string::npos);
  CHECK(host.log().find("a suspect, not proof") != std::string::npos);
  CHECK_FALSE(failure_of(host.list(), "raw_exit"));
  CHECK_FALSE(host.trigger("raw_exit", r).ok());
  CHECK(time_to_answer(host, "noop") < 2000ms);
  const auto f = failure_of(host.list(), "raw_exit");
  REQUIRE(f);
  CHECK(f->quarantined());
  CHECK(f->reason().find("second time") != std::string::npos);
}

TEST_CASE("the quarantine list survives a restart of golo-host") {
  TempDir dir, state;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_segv"), dir.path(), "bad");
  {
    HostProcess host(dir.path(), {"--state-dir", state.path().string()},
                     crash_env());
    golo::Response r;
    CHECK_FALSE(host.trigger("bad", r).ok());
    CHECK(time_to_answer(host, "noop") < kBackWithin);
  }
  CHECK(read_text(state.path() / "quarantine").find("SIGSEGV") !=
        std::string::npos);
  HostProcess host(dir.path(), {"--state-dir", state.path().string()},
                   crash_env());
  const auto f = failure_of(host.list(), "bad");
  REQUIRE(f);
  CHECK(f->quarantined());
  CHECK(host.log().find("quarantined by an earlier run") != std::string::npos);
}

TEST_CASE(
    "workers dying young back off by deaths since their start even after "
    "serving") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path(), {}, crash_env());
  for (int n = 1; n <= 2; ++n) {
    const pid_t w = host.worker_pid();
    kill(w, SIGSEGV);
    CHECK(wait_until([&] { return host.worker_pid() != w; }, 3000ms));
    CHECK(time_to_answer(host, "noop") < 2000ms);
  }
  CHECK(host.log().find("2 workers have died within 10 s of starting") !=
        std::string::npos);
  CHECK(host.log().find("next start in 1000 ms") != std::string::npos);
}

TEST_CASE(
    "a file over --max-plugin-size in the directory is refused unread and "
    "listed with its reason") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  // 4 GB, sparse: reading it whole used to exhaust memory at each rescan.
  fs::resize_file(
      [&] {
        write_text(dir.path() / "big.so", "");
        return dir.path() / "big.so";
      }(),
      4ull << 30);
  HostProcess host(dir.path(), {}, crash_env());
  const auto f = failure_of(host.list(), "big");
  REQUIRE(f);
  CHECK(f->reason().find("4294967296 bytes, over --max-plugin-size") !=
        std::string::npos);
  host.reload();
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
}

TEST_CASE(
    "a worker made deaf by its plugin is replaced within the deaf limit") {
  TempDir dir;
  install_with_innocents(dir, "deaf");
  HostProcess host(dir.path(), {}, crash_env());
  golo::Response r;
  // A worker that has served before, as any deaf one in use has. Under
  // UBSan this matters: its vptr check reads a type it has not seen yet
  // through a pipe (sanitizer_common's IsAccessibleMemoryRange), and with
  // RLIMIT_NOFILE at 0 no pipe can be made, so the first reply built after
  // the plugin took the descriptors was reported as "invalid vptr" (a false
  // report: the object was whole) and the worker exited 1. Types seen once
  // are cached, so the deaf call's reply path then needs no descriptor.
  REQUIRE(host.trigger("noop", r).ok());
  // Its own reply goes out on the connection it came in on: no descriptor.
  REQUIRE(host.trigger("deaf", r).ok());
  const auto start = Clock::now();
  // New connections reach nobody until the replacement serves.
  CHECK(wait_until([&] { return worker_pid(host, 2) > 0; }, 8000ms));
  CHECK(wait_until([&] { return host.trigger("noop", r).ok(); }, 3000ms));
  CHECK(Clock::now() - start < 9s);
  const std::string log = host.log();
  CHECK(log.find("deaf or frozen") != std::string::npos);
  CHECK(log.find("with no plugin to blame") == std::string::npos);
  CHECK(host.list().failures_size() == 0);  // nothing blamed on a guess
}

TEST_CASE(
    "four hanging golo_inits make the host ready within one init-timeout") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  for (const char *job : {"hang1", "hang2", "hang3", "hang4"})
    install_plugin(test_plugin("misbehave_init_hang"), dir.path(), job);
  const auto start = Clock::now();
  HostProcess host(dir.path(),
                   {"--init-timeout", "1", "--shutdown-grace", "0.2"},
                   crash_env());
  const auto took = Clock::now() - start;
  CHECK(took < 2500ms);  // one after another it took 4 s and more
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  const auto list = host.list();
  CHECK(list.failures_size() == 4);
  for (const auto &f : list.failures())
    CHECK(f.reason().find("golo_init did not return within 1 s") !=
          std::string::npos);
}

TEST_CASE(
    "SIGTERM lets calls in flight finish within the grace and runs their "
    "plugin's golo_shutdown") {
  TempDir dir;
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 1500\n");
  HostProcess host(dir.path(), {"--shutdown-grace", "5"}, crash_env());
  std::vector<std::thread> calls;
  std::atomic<int> ok{0};
  for (int i = 0; i < 2; ++i)
    calls.emplace_back(
        [&] { ok += trigger_with_deadline(host, "sleepy", 5000ms).ok(); });
  CHECK(wait_until(
      [&] {
        const auto p = plugin_of(host, "sleepy");
        return p && p->inflight() == 2;
      },
      2000ms));
  const auto start = Clock::now();
  host.signal(SIGTERM);
  const int status = host.wait(8000);
  const auto took = Clock::now() - start;
  for (auto &t : calls) t.join();
  CHECK(status == 0);  // a clean stop: every call ended
  CHECK(ok == 2);
  CHECK(took > 500ms);  // it waited for the calls
  CHECK(host.log().find("plugin sleepy: unloaded generation 1") !=
        std::string::npos);
}

TEST_CASE(
    "SIGTERM with calls still in flight at the end of the grace names their "
    "plugin and exits 1") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 8000\n");
  HostProcess host(dir.path(), {"--shutdown-grace", "0.5"}, crash_env());
  std::thread call([&] { trigger_with_deadline(host, "sleepy", 10000ms); });
  CHECK(wait_until(
      [&] {
        const auto p = plugin_of(host, "sleepy");
        return p && p->inflight() == 1;
      },
      3000ms));
  host.signal(SIGTERM);
  const int status = host.wait(8000);
  call.join();
  CHECK(status == 1);  // not a clean stop: a call was cut short
  const std::string log = host.log();
  CHECK(log.find("calls of job \"sleepy\" (generation ") != std::string::npos);
  CHECK(log.find("in golo_trigger were still in flight at the end of the "
                 "shutdown grace (500 ms)") != std::string::npos);
  CHECK(log.find("stopped, exit 1") != std::string::npos);
  // noop's calls had ended: its golo_shutdown ran; sleepy's could not.
  CHECK(log.find("plugin noop: unloaded generation") != std::string::npos);
  CHECK(log.find("plugin sleepy: unloaded") == std::string::npos);
  CHECK(log.find("while only this plugin was running") == std::string::npos);
}
