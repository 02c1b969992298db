// The --watch directory watcher: it rescans on a change, and every way it
// can fail stops it with a logged reason rather than leaving it silently
// not running or spinning. The failing system calls are injected.
#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "plugins/directory_watcher.h"

namespace fs = std::filesystem;
using golo::host::DirectoryWatcher;
using namespace std::chrono_literals;

namespace {

// A fresh directory, removed at the end.
struct WatchDir {
  fs::path path =
      fs::path(GOLO_TEST_TMP) /
      ("watch-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
  WatchDir() { fs::create_directories(path); }
  ~WatchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int &counter() {
    static int n = 0;
    return n;
  }
};

// Routes spdlog into a string for the test's life.
struct CapturedLog {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  CapturedLog() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("t", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous); }
  std::string str() {
    spdlog::default_logger()->flush();
    return text.str();
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::atomic<int> g_polls{0};

int failing_pipe(int[2]) {
  errno = EMFILE;
  return -1;
}

int failing_poll(pollfd *, nfds_t, int) {
  g_polls.fetch_add(1);
  errno = ENOMEM;
  return -1;
}

}  // namespace

TEST_CASE("watcher: a plugin file written into the directory rescans once") {
  WatchDir dir;
  std::atomic<int> changes{0};
  DirectoryWatcher w(dir.path, 200ms, [&] { changes.fetch_add(1); });
  REQUIRE(w.running());
  std::ofstream(dir.path / "job.so") << "x";
  std::ofstream(dir.path / "job.conf") << "k = v\n";
  CHECK(eventually([&] { return changes.load() == 1; }));
  std::ofstream(dir.path / "notes.txt") << "not a plugin";
  std::this_thread::sleep_for(400ms);  // past the debounce
  CHECK(changes.load() == 1);
  CHECK(w.running());
}

TEST_CASE("watcher: a failed pipe stops it at once with the reason logged") {
  WatchDir dir;
  CapturedLog log;
  DirectoryWatcher w(dir.path, 20ms, [] {}, {.pipe = failing_pipe});
  CHECK_FALSE(w.running());
  CHECK(w.stop_reason() == "cannot make its stop pipe: Too many open files");
  CHECK(log.str().find("--watch: cannot make its stop pipe: Too many open "
                       "files; no longer watching " +
                       dir.path.string()) != std::string::npos);
}

TEST_CASE("watcher: a poll error stops the thread instead of spinning") {
  WatchDir dir;
  CapturedLog log;
  g_polls = 0;
  DirectoryWatcher w(dir.path, 20ms, [] {}, {.poll = failing_poll});
  REQUIRE(eventually([&] { return !w.running(); }));
  CHECK(w.stop_reason() == "poll failed: Cannot allocate memory");
  std::this_thread::sleep_for(50ms);
  CHECK(g_polls.load() == 1);  // one call, then stopped: no spin
  CHECK(log.str().find("--watch: poll failed: Cannot allocate memory") !=
        std::string::npos);
}

TEST_CASE("watcher: the directory removed stops it with that reason") {
  auto dir = std::make_unique<WatchDir>();
  CapturedLog log;
  DirectoryWatcher w(dir->path, 20ms, [] {});
  REQUIRE(w.running());
  dir.reset();
  REQUIRE(eventually([&] { return !w.running(); }));
  CHECK(w.stop_reason() == "the directory is gone");
}

TEST_CASE("watcher: a directory that does not exist is refused and logged") {
  CapturedLog log;
  const fs::path missing = fs::path(GOLO_TEST_TMP) / "no-such-watch-dir";
  DirectoryWatcher w(missing, 20ms, [] {});
  CHECK_FALSE(w.running());
  CHECK(w.stop_reason() ==
        "cannot watch " + missing.string() + ": No such file or directory");
}
