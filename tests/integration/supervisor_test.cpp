// The supervised host against plugins that crash, exit, hang and leak
// threads: the supervisor stays up, names the version that did it,
// quarantines it, and a healthy job answers again within a second.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "host_process.h"
#include "supervisor_support.h"

using namespace golo::test;
using namespace std::chrono_literals;

TEST_CASE(
    "a plugin that kills the worker is named and quarantined and the "
    "host serves again within a second") {
  const struct {
    const char *build, *death;
  } cases[] = {
      {"segv", "SIGSEGV"}, {"abort", "SIGABRT"}, {"exit0", "exit() called"}};
  for (const auto &c : cases) {
    CAPTURE(c.build);
    TempDir dir;
    install_plugin(example_plugin("noop"), dir.path(), "noop");
    install_plugin(test_plugin(std::string("misbehave_") + c.build), dir.path(),
                   "bad");
    const std::string sha = sha256_of(dir.path() / "bad.so");
    TempDir runtime;  // where the workers keep their private copies
    auto env = crash_env();
    env.push_back("RUNTIME_DIRECTORY=" + runtime.path().string());
    HostProcess host(dir.path(), {}, env);
    const pid_t first_worker = host.worker_pid();
    // A crash leaves no core file: the worker may not write one.
    CHECK(read_text("/proc/" + std::to_string(first_worker) + "/limits")
              .find("Max core file size        0") != std::string::npos);

    golo::Response r;
    CHECK_FALSE(host.trigger("bad", r).ok());  // the call in flight fails
    const auto back = time_to_answer(host, "noop");
    CHECK(back >= 0ms);
    CHECK(back < kBackWithin);
    CHECK(alive(host.pid()));  // the supervisor itself never went down

    // Nor a private copy: the dead worker's directory was swept by the next
    // worker, whose own holds nothing but its pid file.
    const pid_t second_worker = host.worker_pid();
    CHECK(second_worker != first_worker);
    CHECK(private_dir_of(runtime.path(), first_worker).empty());
    const fs::path priv = private_dir_of(runtime.path(), second_worker);
    REQUIRE_FALSE(priv.empty());
    int entries = 0, dirs = 0;
    for (const auto &e : fs::directory_iterator(priv)) {
      (void)e;
      ++entries;
    }
    for (const auto &e : fs::directory_iterator(runtime.path()))
      if (e.path().filename().string().rfind("golo-host.", 0) == 0) ++dirs;
    CHECK(entries == 1);  // pid
    CHECK(dirs == 1);

    // Named in one line: job, generation, hash, how it died, where.
    const std::string log = host.log();
    CHECK((log.find(std::string("died of ") + c.death) != std::string::npos ||
           log.find(std::string("exited (") + c.death) != std::string::npos));
    CHECK(log.find("in golo_trigger of job \"bad\" (generation 1, sha256 " +
                   sha.substr(0, 12)) != std::string::npos);

    // Quarantined: listed with its cause, refused at once with the fix.
    const auto list = host.list();
    const auto f = failure_of(list, "bad");
    REQUIRE(f);
    CHECK(f->quarantined());
    CHECK(f->reason().find(c.death) != std::string::npos);
    CHECK(f->reason().find("golo_trigger") != std::string::npos);
    auto s = host.trigger("bad", r);
    CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(s.error_message().find("quarantined") != std::string::npos);
    CHECK(s.error_message().find("replace bad.so") != std::string::npos);
    // ... and so does `golo plugins`, which an operator reads.
    std::string listed;
    CHECK(run_command(
              golo_cli_binary().string() + " plugins --host " + host.address(),
              &listed) == 0);
    CHECK(listed.find("quarantined") != std::string::npos);
    CHECK(listed.find(c.death) != std::string::npos);

    // The same content stays out across reloads; new content loads.
    host.reload();
    CHECK(host.trigger("bad", r).error_code() ==
          grpc::StatusCode::FAILED_PRECONDITION);
    install_plugin(example_plugin("noop"), dir.path(), "bad");
    host.reload();
    CHECK(host.trigger("bad", r).ok());
  }
}

TEST_CASE(
    "a version that crashes in golo_init takes the host down at most "
    "once: the next worker serves without it") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_init_segv"), dir.path(), "bad");
  HostProcess host(dir.path(), {}, crash_env());  // ready once a worker serves
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  const auto f = failure_of(host.list(), "bad");
  REQUIRE(f);
  CHECK(f->quarantined());
  CHECK(f->reason().find("SIGSEGV in golo_init") != std::string::npos);
  CHECK(host.log().find("in golo_init of job \"bad\"") != std::string::npos);
  // Reloading does not bring it back, so no crash loop.
  host.reload();
  host.reload();
  CHECK(host.trigger("noop", r).ok());
  CHECK(worker_pid(host, 3) == -1);  // only workers 1 and 2 ever ran
  CHECK(alive(host.pid()));
}

TEST_CASE(
    "a version that crashes in golo_shutdown when replaced is named and "
    "quarantined, and its replacement serves") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_shutdown_segv"), dir.path(), "bad");
  const std::string sha = sha256_of(dir.path() / "bad.so");
  HostProcess host(dir.path(), {}, crash_env());
  golo::Response r;
  REQUIRE(host.trigger("bad", r).ok());
  // New content for bad: the old version's golo_shutdown runs, and crashes.
  install_plugin(example_plugin("noop"), dir.path(), "bad");
  try {
    host.reload();
  } catch (const std::exception &) {
    // the worker may die before the reload answers
  }
  CHECK(wait_until(
      [&] {
        return host.log().find(
                   "in golo_shutdown of job \"bad\" "
                   "(generation 1, sha256 " +
                   sha.substr(0, 12)) != std::string::npos;
      },
      3000ms));
  const auto back = time_to_answer(host, "bad");  // the new content
  CHECK(back >= 0ms);
  CHECK(back < kBackWithin);
  CHECK(alive(host.pid()));
  // The crashing version stays out if its file comes back.
  install_plugin(test_plugin("misbehave_shutdown_segv"), dir.path(), "bad");
  host.reload();
  const auto f = failure_of(host.list(), "bad");
  REQUIRE(f);
  CHECK(f->quarantined());
  CHECK(f->reason().find("SIGSEGV in golo_shutdown") != std::string::npos);
}

TEST_CASE(
    "a crash signal sent from outside blames no plugin and the worker is "
    "replaced") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path(), {}, crash_env());
  const pid_t worker = host.worker_pid();
  REQUIRE(worker > 0);
  kill(worker, SIGSEGV);
  std::this_thread::sleep_for(50ms);
  const auto back = time_to_answer(host, "noop");
  CHECK(back >= 0ms);
  CHECK(back < kBackWithin);
  CHECK(host.log().find("died of SIGSEGV sent by pid " +
                        std::to_string(getpid()) +
                        " from outside the worker, with no plugin to blame") !=
        std::string::npos);
  CHECK(host.list().failures_size() == 0);  // nothing quarantined
}

TEST_CASE(
    "a trigger that never returns: DEADLINE_EXCEEDED, counted stuck, "
    "then the worker is replaced by generation and the version "
    "quarantined while other jobs keep answering") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_hang"), dir.path(), "hang");
  HostProcess host(dir.path(), {"--stuck-limit", "1", "--shutdown-grace", "1"},
                   crash_env());

  const auto s = trigger_with_deadline(host, "hang", 300ms);
  CHECK(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  // The host's copy of the deadline lands a little after the client's.
  CHECK(wait_until(
      [&] {
        const auto hang = plugin_of(host, "hang");
        return hang && hang->stuck() == 1 && hang->inflight() == 1;
      },
      500ms));

  // Through the replacement, noop answers every call, but for one that
  // reaches the old worker the instant it begins to stop: gRPC ends such a
  // call CANCELLED before any handler runs (grpc/grpc#41785). A ListPlugins
  // in that instant can meet the old worker's connection reset instead.
  int ok = 0, failed = 0, raced = 0, list_raced = 0;
  golo::Response r;
  const bool quarantined = wait_until(
      [&] {
        const auto status = host.trigger("noop", r);
        (status.ok()                                          ? ok
         : status.error_code() == grpc::StatusCode::CANCELLED ? raced
                                                              : failed)++;
        // Seen once under ASan in CI (2026-12-07), passing alone: say what
        // the call met, for whoever sees it next.
        if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED)
          MESSAGE("noop during the replacement: code "
                  << status.error_code() << ": " << status.error_message());
        try {
          const auto f = failure_of(host.list(), "hang");
          return f && f->quarantined();
        } catch (const std::exception &e) {
          MESSAGE("ListPlugins during the replacement: " << e.what());
          ++list_raced;
          return false;
        }
      },
      5000ms);
  CHECK(quarantined);
  CHECK(ok > 0);
  CHECK(failed == 0);
  CHECK(raced <= 1);
  CHECK(list_raced <= 1);
  const auto f = failure_of(host.list(), "hang");
  REQUIRE(f);
  CHECK(f->reason().find("stuck in golo_trigger") != std::string::npos);
  CHECK(host.log().find("replacing the worker") != std::string::npos);
  // The old worker is ended once the new one serves.
  const pid_t old_worker = worker_pid(host, 1);
  CHECK(wait_until([&] { return !alive(old_worker); }, 3000ms));
  CHECK(alive(host.pid()));
}

TEST_CASE(
    "a golo_init that never returns fails the load after "
    "--init-timeout, the host serves meanwhile, and the version is "
    "quarantined after --stuck-limit") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_init_hang"), dir.path(), "slow");
  HostProcess host(dir.path(), {"--init-timeout", "0.3", "--stuck-limit", "1"},
                   crash_env());
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  const auto f = failure_of(host.list(), "slow");
  REQUIRE(f);
  CHECK(f->reason().find("golo_init did not return within 0.3 s") !=
        std::string::npos);
  // A reload is not wedged by the stuck init.
  const auto start = Clock::now();
  host.reload();
  CHECK(Clock::now() - start < 2s);
  CHECK(wait_until(
      [&] {
        const auto q = failure_of(host.list(), "slow");
        return q && q->quarantined() &&
               q->reason().find("stuck in golo_init") != std::string::npos;
      },
      5000ms));
  CHECK(host.trigger("noop", r).ok());
  CHECK(alive(host.pid()));
}

TEST_CASE(
    "SIGTERM with a call stuck in a plugin ends within the grace, and "
    "a second signal ends at once") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_hang"), dir.path(), "hang");
  for (const bool twice : {false, true}) {
    CAPTURE(twice);
    HostProcess host(dir.path(), {"--shutdown-grace", twice ? "30" : "1"},
                     crash_env());
    std::thread caller([&] { trigger_with_deadline(host, "hang", 20s); });
    CHECK(wait_until(
        [&] {
          const auto p = plugin_of(host, "hang");
          return p && p->inflight() == 1;
        },
        2000ms));
    const auto start = Clock::now();
    host.signal(SIGTERM);
    if (twice) {
      std::this_thread::sleep_for(200ms);
      host.signal(SIGTERM);
    }
    const int status = host.wait(10000);
    const auto took = Clock::now() - start;
    caller.join();
    // Not a clean stop: the call had to be cut short, and the exit says so.
    CHECK(status == 1);
    CHECK(took < (twice ? 1500ms : 3000ms));
    if (!twice)
      CHECK(host.log().find("calls still running") != std::string::npos);
  }
}

TEST_CASE(
    "a thread a plugin leaves running after golo_shutdown is blamed on "
    "that plugin when it crashes the worker") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("misbehave_stray_thread"), dir.path(), "stray");
  HostProcess host(dir.path(), {}, crash_env());
  golo::Response r;
  REQUIRE(host.trigger("stray", r).ok());
  fs::remove(dir.path() / "stray.so");
  try {
    host.reload();  // unloads it; its thread then runs into unmapped code
  } catch (const std::exception &) {
    // the worker may die before the reload answers
  }
  CHECK(wait_until(
      [&] {
        return host.log().find(
                   "in a thread the plugin started of job "
                   "\"stray\"") != std::string::npos;
      },
      3000ms));
  const auto back = time_to_answer(host, "noop");
  CHECK(back >= 0ms);
  CHECK(back < kBackWithin);
  CHECK(alive(host.pid()));
}

TEST_CASE(
    "the workers' TLS key copies live in the supervisor's directory and go "
    "with each worker") {
  TempDir certs("golo-certs"), dir, runtime;
  make_test_certs(certs.path());
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path(),
                   {"--tls-cert", (certs.path() / "server.pem").string(),
                    "--tls-key", (certs.path() / "server.key").string()},
                   {"RUNTIME_DIRECTORY=" + runtime.path().string(),
                    "TMPDIR=" + runtime.path().string()});
  const fs::path own = private_dir_of(runtime.path(), host.pid());
  REQUIRE(!own.empty());
  const auto copies = [&](pid_t worker) {
    return own / ("tls-" + std::to_string(worker));
  };
  const pid_t first = host.worker_pid();
  REQUIRE(fs::exists(copies(first) / "key.pem"));
  CHECK((fs::status(copies(first)).permissions() & fs::perms::all) ==
        fs::perms::owner_all);

  // A worker killed outright leaves its copy behind, and the supervisor
  // removes it (before issue 19 each dead worker left one in $TMPDIR).
  ::kill(first, SIGKILL);
  REQUIRE(wait_until(
      [&] { return host.worker_pid() != first && host.worker_pid() > 0; },
      10000ms));
  const pid_t second = host.worker_pid();
  CHECK(wait_until([&] { return !fs::exists(copies(first)); }, 5000ms));
  CHECK(wait_until([&] { return fs::exists(copies(second) / "key.pem"); },
                   10000ms));
  for (const auto &e : fs::directory_iterator(runtime.path()))
    CHECK_MESSAGE(e.path().filename().string().rfind("golo-host.", 0) == 0,
                  e.path().string());

  // Stopped, the host leaves nothing: the supervisor's directory goes too.
  CHECK(host.stop() == 0);
  CHECK(fs::is_empty(runtime.path()));
}
