// systemd's Type=notify, played by the test: a datagram socket named by
// NOTIFY_SOCKET, as systemd makes one. golo-host must send READY=1 only
// once its plugins are loaded and its port serves, STOPPING=1 when told to
// stop, and keep NOTIFY_SOCKET away from the worker that runs plugins.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "golo/health.grpc.pb.h"
#include "host_process.h"

using namespace golo::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A bound AF_UNIX datagram socket; name starting with '@' is abstract.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string &name) : name_(name) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@')
      addr.sun_path[0] = '\0';
    else
      ++len;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr *>(&addr), len) == 0);
  }
  ~NotifySocket() { close(fd_); }
  // The next datagram, or "" when none comes within timeout.
  std::string receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }
  const std::string &name() const { return name_; }

 private:
  int fd_ = -1;
  std::string name_;
};

pid_t start_host(const fs::path &plugins, int port, const std::string &notify,
                 const fs::path &log) {
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const std::string host = golo_host_binary().string();
  const std::string dir = plugins.string();
  const char *argv[] = {host.c_str(), "--listen",  listen.c_str(),
                        "--plugins",  dir.c_str(), nullptr};
  std::vector<std::string> env;
  for (char **e = environ; *e; ++e) env.emplace_back(*e);
  env.push_back("NOTIFY_SOCKET=" + notify);
  std::vector<char *> envp;
  for (auto &kv : env) envp.push_back(kv.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr,
                             const_cast<char *const *>(argv), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

// A channel of its own: gRPC shares connections between channels to one
// address, and one left backing off after the prober's refused attempts
// would fail a call at once with their old error.
std::shared_ptr<grpc::Channel> fresh_channel(int port) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials(), args);
}

grpc::Status trigger_now(int port, golo::Response &out) {
  auto channel = fresh_channel(port);
  grpc::ClientContext ctx;
  // No wait-for-ready: a port that does not serve yet fails at once.
  ctx.set_deadline(std::chrono::system_clock::now() + 2s);
  golo::Context req;
  req.set_jobname("slow_init");
  return golo::Job::NewStub(channel)->Trigger(&ctx, req, &out);
}

bool health_serving(int port) {
  auto channel = fresh_channel(port);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 100ms);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return grpc::health::v1::Health::NewStub(channel)
             ->Check(&ctx, req, &resp)
             .ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

// READY=1 after slow_init's 400 ms golo_init, with the port serving at
// that instant; then STOPPING=1 on SIGTERM.
void check_notify(const std::string &socket_name, const TempDir &dir) {
  const fs::path plugins = dir.path() / "plugins";
  fs::create_directories(plugins);
  install_plugin(test_plugin("slow_init"), plugins, "slow_init");
  NotifySocket sock(socket_name);
  const int port = free_port();
  const fs::path log = dir.path() / "host.log";

  const auto start = Clock::now();
  const pid_t pid = start_host(plugins, port, socket_name, log);
  // What a Kubernetes readiness probe sees: health must not serve before the
  // plugins directory has been scanned (slow_init's init has returned).
  std::atomic<bool> probing{true};
  std::optional<Clock::duration> first_serving;
  std::thread prober([&] {
    while (probing && !first_serving) {
      if (health_serving(port)) first_serving = Clock::now() - start;
      std::this_thread::sleep_for(20ms);
    }
  });
  const std::string ready = sock.receive(15s);
  const auto waited = Clock::now() - start;
  golo::Response r;
  const grpc::Status served = trigger_now(port, r);
  probing = false;
  prober.join();
  CHECK(waited >= 400ms);  // not before the plugin's init returned
  if (first_serving) CHECK(*first_serving >= 400ms);
  INFO("host log: " << read_text(log));
  CHECK(ready.find("READY=1") != std::string::npos);
  CHECK(ready.find("STATUS=serving on port " + std::to_string(port)) !=
        std::string::npos);
  CHECK(health_serving(port));
  CHECK_MESSAGE(served.ok(), served.error_message());
  CHECK(r.output() == "initialised");

  // The worker (which runs plugin code) never sees NOTIFY_SOCKET.
  std::string env_out;
  run_command("grep -c NOTIFY_SOCKET /proc/$(pgrep -P " + std::to_string(pid) +
                  " golo-host-work)/environ",
              &env_out);
  CHECK(env_out.substr(0, 1) == "0");

  kill(pid, SIGTERM);
  CHECK(sock.receive(5s) == "STOPPING=1");
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE(
    "sd_notify: READY=1 on a socket path once plugins load and the port "
    "serves") {
  TempDir dir("golo-notify");
  check_notify((dir.path() / "notify.sock").string(), dir);
}

TEST_CASE("sd_notify: READY=1 on an abstract socket (@name)") {
  TempDir dir("golo-notify");
  check_notify("@golo-test-notify-" + std::to_string(getpid()), dir);
}

TEST_CASE(
    "sd_notify: a NOTIFY_SOCKET nobody listens on is logged and the host "
    "serves on") {
  TempDir dir("golo-notify");
  const fs::path plugins = dir.path() / "plugins";
  fs::create_directories(plugins);
  install_plugin(example_plugin("noop"), plugins, "noop");
  HostProcess host(plugins, {},
                   {"NOTIFY_SOCKET=" + (dir.path() / "nobody.sock").string()});
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  const std::string log = host.log();
  CHECK(log.find("NOTIFY_SOCKET " + (dir.path() / "nobody.sock").string()) !=
        std::string::npos);
  CHECK(log.find("No such file or directory") != std::string::npos);
}
