// bench_supervisor: how long golo-host is without a serving worker after
// the worker dies, from the crash to the first call served again.
//
// It starts golo-host (the supervisor) on a private plugins directory
// serving noop, then, --rounds times, kills the worker one of two ways:
//
//   plugin  a crashing plugin: installs tests/plugins' misbehave_segv with
//           one more byte appended each round (a crashed version is
//           quarantined by content hash, so each round's must be new),
//           reloads (Host.Reload), and triggers it; its golo_trigger
//           writes to an unmapped address. Timed from sending that call.
//   kill    `kill -SEGV` of the worker, a crash outside any plugin call.
//           Timed from the kill. The supervisor backs off when workers
//           keep dying within 10 s of their start (counted over a minute),
//           so every round first waits until the worker is 10 s old.
//   thread  tests/plugins' thread_exit (new content each round, as for
//           plugin): its own thread calls _exit 300 ms after its trigger
//           returned. Timed from the moment the worker is seen dead
//           (polled every millisecond).
//   deaf    tests/plugins' deaf: its trigger sets RLIMIT_NOFILE to 0, so
//           the worker lives but accepts nothing until the supervisor's
//           liveness probe gives up on it (5 s). Timed from the trigger.
//
// After the crash, noop is called on a fresh channel every millisecond
// (each attempt a new connection, no wait-for-ready) until one answers; the
// answer only counts once the crashed worker is gone. Prints one line:
//
//   mode=… rounds=… median_ms=… p90_ms=… max_ms=… failed_attempts=…
//   errors=…
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "golo/golo.grpc.pb.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string host_binary = GOLO_HOST_BINARY;
  std::string noop = std::string(GOLO_EXAMPLE_PLUGIN_DIR) + "/noop.so";
  std::string segv = std::string(GOLO_TEST_PLUGIN_DIR) + "/misbehave_segv.so";
  std::string test_plugins = GOLO_TEST_PLUGIN_DIR;
  std::string mode = "plugin";
  int rounds = 20;
  bool keep = false;  // keep the work directory (the host's log) and say where
};

[[noreturn]] void usage(const char *why) {
  std::fprintf(
      stderr,
      "bench_supervisor: %s\n"
      "usage: bench_supervisor [--mode plugin|kill|thread|deaf] [--rounds N]\n"
      "         [--keep]\n"
      "         [--host-binary PATH] [--noop SO] [--segv SO]\n",
      why);
  std::exit(2);
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--mode")
      o.mode = value();
    else if (a == "--rounds")
      o.rounds = std::stoi(value());
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--host-binary")
      o.host_binary = value();
    else if (a == "--noop")
      o.noop = value();
    else if (a == "--segv")
      o.segv = value();
    else
      usage(("unknown argument " + a).c_str());
  }
  if (o.mode != "plugin" && o.mode != "kill" && o.mode != "thread" &&
      o.mode != "deaf")
    usage("--mode is plugin, kill, thread or deaf");
  if (o.rounds < 1) usage("--rounds must be 1 or more");
  return o;
}

// Starts golo-host on port 0 and reads the port it prints.
pid_t start_host(const Options &o, const fs::path &plugins, const fs::path &log,
                 int &port) {
  int out[2];
  if (pipe(out) != 0) return -1;
  std::vector<std::string> args = {
      o.host_binary,    "--listen",    "127.0.0.1:0", "--plugins",
      plugins.string(), "--log-level", "info"};
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[256];
  ssize_t n;
  while (text.find('\n') == std::string::npos &&
         (n = read(out[0], buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  const auto at = text.find("listening on port ");
  port = at == std::string::npos ? 0 : std::atoi(text.c_str() + at + 18);
  return pid;
}

// The supervisor's worker: its child process (0 when there is none).
pid_t worker_of(pid_t supervisor) {
  std::ifstream in("/proc/" + std::to_string(supervisor) + "/task/" +
                   std::to_string(supervisor) + "/children");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Gone or a zombie: it can no longer answer.
bool dead(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return true;
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ||
         line[paren + 2] == 'Z' || line[paren + 2] == 'X';
}

// Seconds since the process started.
double age_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string f;
  for (int i = 3; i <= 22 && fields >> f; ++i) {
  }
  double uptime = 0;
  std::ifstream("/proc/uptime") >> uptime;
  return uptime - std::stod(f) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::shared_ptr<grpc::Channel> fresh_channel(const std::string &addr) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a new connection
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(),
                                   args);
}

grpc::Status trigger(golo::Job::Stub &stub, const std::string &job,
                     std::chrono::milliseconds timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  golo::Context req;
  req.set_jobname(job);
  golo::Response resp;
  return stub.Trigger(&ctx, req, &resp);
}

// misbehave_segv plus `extra` zero bytes: new content, the same code.
void install_segv(const Options &o, const fs::path &dir, int extra) {
  const std::string source =
      o.mode == "plugin"
          ? o.segv
          : o.test_plugins + "/" +
                (o.mode == "thread" ? "thread_exit.so" : "deaf.so");
  fs::copy_file(source, dir / ".bad.so.tmp",
                fs::copy_options::overwrite_existing);
  {
    std::ofstream out(dir / ".bad.so.tmp", std::ios::app | std::ios::binary);
    const std::string pad(static_cast<std::size_t>(extra), '\0');
    out << pad;
  }
  fs::rename(dir / ".bad.so.tmp", dir / "bad.so");
}

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(
      std::max(0.0, std::ceil(p / 100.0 * static_cast<double>(v.size())) - 1));
  return v[std::min(rank, v.size() - 1)];
}

}  // namespace

int main(int argc, char **argv) {
  const Options o = parse(argc, argv);
  signal(SIGPIPE, SIG_IGN);

  const char *tmp = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/golo-bench-supervisor.XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    std::perror("bench_supervisor: mkdtemp");
    return 1;
  }
  const fs::path work = tmpl, plugins = work / "plugins";
  fs::create_directories(plugins);
  fs::permissions(plugins, fs::perms::owner_all);
  fs::copy_file(o.noop, plugins / "noop.so");
  int port = 0;
  const pid_t host = start_host(o, plugins, work / "host.log", port);
  if (host <= 0 || port == 0) {
    std::fprintf(stderr, "bench_supervisor: golo-host did not start; see %s\n",
                 (work / "host.log").c_str());
    return 1;
  }
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  auto stop_host = [&] {
    kill(host, SIGTERM);
    waitpid(host, nullptr, 0);
  };

  std::vector<double> ms;
  std::uint64_t failed_attempts = 0;
  int errors = 0;
  for (int round = 0; round < o.rounds; ++round) {
    const pid_t worker = worker_of(host);
    if (worker == 0 || dead(worker)) {
      ++errors;
      std::this_thread::sleep_for(100ms);
      continue;
    }
    Clock::time_point t0;
    if (o.mode != "kill") {
      install_segv(o, plugins, round + 1);
      auto control = fresh_channel(addr);
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + 10s);
      golo::ReloadResponse reloaded;
      if (!golo::Host::NewStub(control)->Reload(&ctx, {}, &reloaded).ok()) {
        ++errors;
        continue;
      }
      auto stub = golo::Job::NewStub(control);
      t0 = Clock::now();
      const bool ok = trigger(*stub, "bad", 5000ms).ok();
      if (ok != (o.mode != "plugin")) {  // segv crashes; the others return
        ++errors;
        continue;
      }
      if (o.mode == "thread") {
        while (!dead(worker) && Clock::now() - t0 < 5s)
          std::this_thread::sleep_for(1ms);
        t0 = Clock::now();
      }
    } else {
      while (age_s(worker) < 10.5) std::this_thread::sleep_for(100ms);
      t0 = Clock::now();
      kill(worker, SIGSEGV);
    }
    // Until noop answers on a fresh connection from a worker that is not
    // the one that crashed (gives up after 10 s).
    bool served = false;
    while (Clock::now() - t0 < 10s) {
      auto stub = golo::Job::NewStub(fresh_channel(addr));
      if (trigger(*stub, "noop", 500ms).ok() && dead(worker)) {
        served = true;
        break;
      }
      ++failed_attempts;
      std::this_thread::sleep_for(1ms);
    }
    const auto t1 = Clock::now();
    if (!served) {
      ++errors;
      continue;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  stop_host();
  if (ms.empty()) {
    std::fprintf(stderr, "bench_supervisor: no round served again; see %s\n",
                 (work / "host.log").c_str());
    return 1;
  }
  if (o.keep)
    std::fprintf(stderr, "bench_supervisor: the host's log is %s\n",
                 (work / "host.log").c_str());
  else
    fs::remove_all(work);
  std::printf(
      "mode=%s rounds=%zu median_ms=%.1f p90_ms=%.1f max_ms=%.1f "
      "failed_attempts=%llu errors=%d\n",
      o.mode.c_str(), ms.size(), pct(ms, 50), pct(ms, 90), pct(ms, 100),
      static_cast<unsigned long long>(failed_attempts), errors);
  return errors ? 1 : 0;
}
