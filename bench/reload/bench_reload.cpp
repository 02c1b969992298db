// bench_reload: how long a hot reload takes, from the command to the first
// call served by the new version, on a real golo-host.
//
// It starts golo-host on a private plugins directory (or uses one already
// running: --host ADDR --plugins-dir DIR [--pid PID]), installs
// tests/plugins' version_a as job "bench", and then, --reloads times,
// installs the other build (written beside and renamed into place, as the
// plugin guide says), fires a reload, and calls the job back to back until a
// response comes from the new version. Background load (--load-threads N,
// each on its own connection, calling the same job without pause) runs
// throughout and must see zero failed calls.
//
// Triggers: rpc (Host.Reload, what `golo reload` sends), cli (the `golo
// reload` process), sighup, watch (golo-host --watch; timed from the rename,
// so it includes the watcher's debounce).
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "golo/golo.grpc.pb.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host_binary = GOLO_HOST_BINARY;
  std::string cli_binary = GOLO_CLI_BINARY;
  std::string plugin_a = std::string(GOLO_TEST_PLUGIN_DIR) + "/version_a.so";
  std::string plugin_b = std::string(GOLO_TEST_PLUGIN_DIR) + "/version_b.so";
  std::string host;         // connect instead of starting one
  std::string plugins_dir;  // with --host
  pid_t pid = 0;            // with --host, for sighup
  std::string trigger = "rpc";
  int reloads = 50;
  int load_threads = 0;
};

[[noreturn]] void usage(const char *why) {
  std::fprintf(
      stderr,
      "bench_reload: %s\n"
      "usage: bench_reload [--trigger rpc|cli|sighup|watch] [--reloads N]\n"
      "         [--load-threads N] [--host-binary PATH] [--cli PATH]\n"
      "         [--plugin-a SO] [--plugin-b SO]\n"
      "         [--host ADDR --plugins-dir DIR [--pid PID]]\n",
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
    if (a == "--trigger")
      o.trigger = value();
    else if (a == "--reloads")
      o.reloads = std::stoi(value());
    else if (a == "--load-threads")
      o.load_threads = std::stoi(value());
    else if (a == "--host-binary")
      o.host_binary = value();
    else if (a == "--cli")
      o.cli_binary = value();
    else if (a == "--plugin-a")
      o.plugin_a = value();
    else if (a == "--plugin-b")
      o.plugin_b = value();
    else if (a == "--host")
      o.host = value();
    else if (a == "--plugins-dir")
      o.plugins_dir = value();
    else if (a == "--pid")
      o.pid = static_cast<pid_t>(std::stol(value()));
    else
      usage(("unknown argument " + a).c_str());
  }
  if (o.trigger != "rpc" && o.trigger != "cli" && o.trigger != "sighup" &&
      o.trigger != "watch")
    usage("--trigger is rpc, cli, sighup or watch");
  if (!o.host.empty() && o.plugins_dir.empty())
    usage("--host needs --plugins-dir");
  if (!o.host.empty() && o.trigger == "sighup" && o.pid == 0)
    usage("--trigger sighup with --host needs --pid");
  if (!o.host.empty() && o.trigger == "watch")
    usage("--trigger watch needs a host this program starts");
  if (o.reloads < 1) usage("--reloads must be 1 or more");
  return o;
}

// Write beside, rename into place: never rewrite a file the host has mapped.
void install(const fs::path &so, const fs::path &dir) {
  fs::copy_file(so, dir / ".bench.so.tmp",
                fs::copy_options::overwrite_existing);
  fs::rename(dir / ".bench.so.tmp", dir / "bench.so");
}

// Starts golo-host on port 0 and reads the port it prints.
pid_t start_host(const Options &o, const fs::path &plugins, const fs::path &log,
                 int &port) {
  int out[2];
  if (pipe(out) != 0) return -1;
  std::vector<std::string> args = {
      o.host_binary,    "--listen",    "127.0.0.1:0", "--plugins",
      plugins.string(), "--log-level", "info"};
  if (o.trigger == "watch") args.push_back("--watch");
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

std::shared_ptr<grpc::Channel> channel(const std::string &addr) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection each
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(),
                                   args);
}

bool call(golo::Job::Stub &stub, golo::Response &resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  golo::Context req;
  req.set_jobname("bench");
  resp.Clear();
  return stub.Trigger(&ctx, req, &resp).ok();
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

  fs::path work, plugins = o.plugins_dir;
  std::string addr = o.host;
  pid_t pid = o.pid, own = 0;
  if (o.host.empty()) {
    const char *tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/golo-bench-reload.XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      std::perror("bench_reload: mkdtemp");
      return 1;
    }
    work = tmpl;
    plugins = work / "plugins";
    fs::create_directories(plugins);
    install(o.plugin_a, plugins);
    int port = 0;
    own = pid = start_host(o, plugins, work / "host.log", port);
    if (pid <= 0 || port == 0) {
      std::fprintf(stderr, "bench_reload: golo-host did not start; see %s\n",
                   (work / "host.log").c_str());
      return 1;
    }
    addr = "127.0.0.1:" + std::to_string(port);
  } else {
    install(o.plugin_a, plugins);
  }

  auto control = channel(addr);
  auto job = golo::Job::NewStub(control);
  auto host = golo::Host::NewStub(control);
  auto reload_rpc = [&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    golo::ReloadResponse resp;
    return host->Reload(&ctx, {}, &resp).ok();
  };
  if (!o.host.empty() && !reload_rpc()) {
    std::fprintf(stderr, "bench_reload: cannot reload %s\n", addr.c_str());
    return 1;
  }
  golo::Response resp;
  for (int i = 0; i < 200; ++i) call(*job, resp);  // warm up
  if (resp.pluginversion() != "a") {
    std::fprintf(stderr, "bench_reload: job bench does not answer 'a' on %s\n",
                 addr.c_str());
    return 1;
  }

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> load_calls{0}, load_failed{0};
  std::vector<std::thread> load;
  for (int t = 0; t < o.load_threads; ++t)
    load.emplace_back([&] {
      auto stub = golo::Job::NewStub(channel(addr));
      golo::Response r;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!call(*stub, r)) load_failed.fetch_add(1);
        load_calls.fetch_add(1, std::memory_order_relaxed);
      }
    });
  const auto load_start = Clock::now();

  std::vector<double> total_ms, command_ms;
  std::string version = "a";
  const std::string cli =
      o.cli_binary + " reload --host " + addr + " > /dev/null 2>&1";
  int errors = 0;
  for (int i = 0; i < o.reloads; ++i) {
    version = version == "a" ? "b" : "a";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto t0 = Clock::now();
    install(version == "a" ? o.plugin_a : o.plugin_b, plugins);
    if (o.trigger != "watch") t0 = Clock::now();  // watch: from the rename
    bool fired = true;
    if (o.trigger == "rpc")
      fired = reload_rpc();
    else if (o.trigger == "cli")
      fired = std::system(cli.c_str()) == 0;
    else if (o.trigger == "sighup")
      fired = kill(pid, SIGHUP) == 0;
    const auto t_cmd = Clock::now();
    if (!fired) ++errors;
    // Call until the new version answers (gives up after 10 s).
    while (Clock::now() - t0 < std::chrono::seconds(10)) {
      if (call(*job, resp) && resp.pluginversion() == version) break;
    }
    const auto t1 = Clock::now();
    if (resp.pluginversion() != version) {
      ++errors;
      continue;
    }
    total_ms.push_back(
        std::chrono::duration<double, std::milli>(t1 - t0).count());
    command_ms.push_back(
        std::chrono::duration<double, std::milli>(t_cmd - t0).count());
  }
  stop = true;
  for (auto &t : load) t.join();
  const double load_s =
      std::chrono::duration<double>(Clock::now() - load_start).count();

  if (own > 0) {
    kill(own, SIGTERM);
    waitpid(own, nullptr, 0);
    fs::remove_all(work);
  }
  if (total_ms.empty()) {
    std::fprintf(stderr, "bench_reload: no reload reached the new version\n");
    return 1;
  }
  // One line, key=value, for run.sh (and humans).
  std::printf(
      "trigger=%s load_threads=%d reloads=%zu median_ms=%.2f p90_ms=%.2f "
      "max_ms=%.2f command_median_ms=%.2f load_calls_per_s=%.0f "
      "load_failed=%llu errors=%d\n",
      o.trigger.c_str(), o.load_threads, total_ms.size(), pct(total_ms, 50),
      pct(total_ms, 90), pct(total_ms, 100), pct(command_ms, 50),
      static_cast<double>(load_calls.load()) / load_s,
      static_cast<unsigned long long>(load_failed.load()), errors);
  return errors || load_failed ? 1 : 0;
}
