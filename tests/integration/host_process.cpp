#include "host_process.h"

#include "golo/wire/pieces.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace golo::test {

TempDir::TempDir(const std::string &prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  path_ = fs::path(GOLO_TEST_TMP) / (prefix + "-" + std::to_string(getpid()) +
                                     "-" + std::to_string(rng() % 1000000));
  fs::create_directories(path_);
  // Whatever the umask: golo-host refuses a group-writable plugins directory.
  fs::permissions(path_, fs::perms(0755));
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_text(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path &p, const std::string &text) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::error_code ec;  // golo-host refuses group-writable settings files
  fs::permissions(p, fs::perms(0644), ec);
}

void install_plugin(const fs::path &built_so, const fs::path &dir,
                    const std::string &name) {
  const fs::path tmp = dir / ("." + name + ".so.tmp");
  fs::copy_file(built_so, tmp, fs::copy_options::overwrite_existing);
  fs::permissions(tmp, fs::perms(0755));  // whatever the build's umask was
  fs::rename(tmp, dir / (name + ".so"));
}

fs::path private_dir_of(const fs::path &base, pid_t pid) {
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(base, ec)) {
    if (e.path().filename().string().rfind("golo-host.", 0) != 0) continue;
    std::istringstream in(read_text(e.path() / "pid"));
    pid_t p = 0;
    if (in >> p && p == pid) return e.path();
  }
  return {};
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

fs::path golo_host_binary() { return GOLO_HOST_BINARY; }
fs::path golo_cli_binary() { return GOLO_CLI_BINARY; }
fs::path example_plugin(const std::string &n) {
  return fs::path(GOLO_EXAMPLE_PLUGIN_DIR) / (n + ".so");
}
fs::path test_plugin(const std::string &n) {
  return fs::path(GOLO_TEST_PLUGIN_DIR) / (n + ".so");
}
fs::path plugin_include_dir() { return GOLO_PLUGIN_INCLUDE_DIR; }

int run_command(const std::string &cmd, std::string *out, bool merge_stderr) {
  const std::string full = cmd + (merge_stderr ? " 2>&1" : "");
  FILE *p = popen(full.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    if (out) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void make_test_certs(const fs::path &dir) {
  std::string out;
  if (run_command("bash " + std::string(GOLO_TEST_SOURCE_DIR) +
                      "/make_test_certs.sh " + dir.string(),
                  &out) != 0)
    throw std::runtime_error("make_test_certs.sh " + dir.string() + ": " + out);
}

namespace {

pid_t spawn(const std::vector<std::string> &argv,
            const std::vector<std::string> &env, const fs::path &stdout_file,
            const fs::path &stderr_file) {
  // Everything is prepared before fork: the child of a threaded process may
  // only make async-signal-safe calls until exec.
  // env's entries replace inherited ones of the same name.
  std::vector<std::string> env_all = env;
  for (char **e = environ; *e; ++e) {
    const std::string kv = *e;
    const auto key = kv.substr(0, kv.find('=') + 1);
    bool replaced = false;
    for (const auto &mine : env) replaced = replaced || mine.rfind(key, 0) == 0;
    if (!replaced) env_all.push_back(kv);
  }
  std::vector<char *> envp, args;
  for (auto &kv : env_all) envp.push_back(kv.data());
  envp.push_back(nullptr);
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  const int out =
      open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err =
      open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t pid = fork();
  if (pid != 0) {
    close(out);
    close(err);
    return pid;
  }
  setpgid(0, 0);  // its own group, so a stuck child can be killed whole
  dup2(out, 1);
  dup2(err, 2);
  execve(args[0], args.data(), envp.data());
  _exit(127);
}

bool wait_exit(pid_t pid, int timeout_ms, int *status) {
  const auto end =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

HostProcess::HostProcess(const fs::path &plugins_dir,
                         std::vector<std::string> extra,
                         std::vector<std::string> env,
                         std::vector<std::string> prefix) {
  log_ = logs_.path() / "host.log";
  const fs::path out = logs_.path() / "host.out";
  std::vector<std::string> argv = std::move(prefix);
  for (const auto &a : {golo_host_binary().string(), std::string("--plugins"),
                        plugins_dir.string()})
    argv.push_back(a);
  // The loopback default unless the test listens elsewhere itself.
  if (auto l = std::find(extra.begin(), extra.end(), "--listen");
      l == extra.end()) {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  } else if (l + 1 != extra.end() && l[1].rfind("127.", 0) == 0) {
    ip_ = l[1].substr(0, l[1].rfind(':'));  // another loopback address
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = spawn(argv, env, out, log_);
  // The host prints "listening on port N" once it serves.
  for (int i = 0; i < 1500 && port_ == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto text = read_text(out);
    if (auto pos = text.find("listening on port ");
        pos != std::string::npos && text.find('\n', pos) != std::string::npos)
      port_ = std::stoi(text.substr(pos + 18));
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("golo-host exited at start: " + read_text(log_));
    }
  }
  if (port_ == 0)
    throw std::runtime_error("golo-host did not start: " + read_text(log_));
}

HostProcess::~HostProcess() {
  if (pid_ > 0 && stop() < 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void HostProcess::signal(int sig) const { kill(pid_, sig); }

pid_t HostProcess::worker_pid() const {
  const std::string text = log();
  const std::string mark = " started (pid ";
  pid_t pid = -1;
  for (auto at = text.find(mark); at != std::string::npos;
       at = text.find(mark, at + 1))
    pid = std::atoi(text.c_str() + at + mark.size());
  return pid;
}

int HostProcess::stop(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  return wait(timeout_ms);
}

int HostProcess::wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  int status = 0;
  if (!wait_exit(pid_, timeout_ms, &status)) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::shared_ptr<grpc::Channel> HostProcess::channel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address(),
                                   grpc::InsecureChannelCredentials(), args);
}

namespace {
void deadline(grpc::ClientContext &ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
}
}  // namespace

grpc::Status HostProcess::trigger(const std::string &job,
                                  golo::Response &out) const {
  grpc::ClientContext ctx;
  deadline(ctx);
  golo::Context req;
  req.set_jobname(job);
  return golo::Job::NewStub(channel())->Trigger(&ctx, req, &out);
}

golo::ListPluginsResponse HostProcess::list() const {
  // A call that reaches a worker the instant it begins to stop (a worker
  // replaced by the supervisor) ends CANCELLED without having run: gRPC
  // ends calls not yet matched to a handler that way (grpc/grpc#41785). The
  // read is safe to repeat, once.
  for (int attempt = 0;; ++attempt) {
    grpc::ClientContext ctx;
    deadline(ctx);
    golo::ListPluginsResponse out;
    auto s = golo::Host::NewStub(channel())->ListPlugins(&ctx, {}, &out);
    if (s.ok()) return out;
    if (s.error_code() != grpc::StatusCode::CANCELLED || attempt > 0)
      throw std::runtime_error("ListPlugins: " + s.error_message());
  }
}

golo::ReloadResponse HostProcess::reload() const {
  grpc::ClientContext ctx;
  deadline(ctx);
  golo::ReloadResponse out;
  auto s = golo::Host::NewStub(channel())->Reload(&ctx, {}, &out);
  if (!s.ok()) throw std::runtime_error("Reload: " + s.error_message());
  return out;
}

ChildProcess::ChildProcess(const std::vector<std::string> &argv) {
  pid_ = spawn(argv, {}, dir_.path() / "stdout", dir_.path() / "stderr");
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::signal(int sig) const { kill(pid_, sig); }

int ChildProcess::wait(int timeout_ms) {
  int status = 0;
  if (pid_ <= 0 || !wait_exit(pid_, timeout_ms, &status)) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ChildProcess::output() const {
  return read_text(dir_.path() / "stdout") + read_text(dir_.path() / "stderr");
}

int thread_count(pid_t pid) {
  std::istringstream status(
      read_text("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("Threads:")) return std::stoi(line.substr(8));
  return -1;
}

std::string tag(const golo::Response &r, const std::string &key) {
  for (const auto &t : r.tags())
    if (t.key() == key) return t.value();
  return "<missing " + key + ">";
}

NginxProcess::NginxProcess(const NginxTls &tls) {
  port_ = free_port();
  https_ = !tls.cert.empty();
  const auto &d = dir_.path();
  fs::create_directories(d / "www");
  write_text(d / "www" / "index.html", "<html>golo test target</html>\n");
  std::ostringstream conf;
  conf << "worker_processes 1;\n"
       << "pid " << (d / "nginx.pid").string() << ";\n"
       << "error_log " << (d / "error.log").string() << " warn;\n"
       << "events { worker_connections 1024; }\n"
       << "http {\n  access_log off;\n"
       << "  log_format checkout '$status $arg_user';\n"
       << "  client_body_temp_path " << d.string() << "/body;\n"
       << "  proxy_temp_path " << d.string() << "/proxy;\n"
       << "  fastcgi_temp_path " << d.string() << "/fastcgi;\n"
       << "  uwsgi_temp_path " << d.string() << "/uwsgi;\n"
       << "  scgi_temp_path " << d.string() << "/scgi;\n"
       << "  server {\n    listen 127.0.0.1:" << port_ << (https_ ? " ssl" : "")
       << ";\n";
  if (https_)
    conf << "    ssl_certificate " << tls.cert.string() << ";\n"
         << "    ssl_certificate_key " << tls.key.string() << ";\n";
  conf << "    root " << (d / "www").string() << ";\n"
       << "    location = /ok { return 200 \"hello\\n\"; }\n"
       << "    location = /404 { return 404; }\n"
       << "    location = /500 { return 500; }\n"
       // A scripted shop for plugins/journey: checkout refuses the users
       // whose name starts with "blocked", and logs every answer.
       << "    location = /login { return 200 \"welcome\\n\"; }\n"
       << "    location = /browse { return 200 \"items\\n\"; }\n"
       << "    location = /checkout {\n      access_log "
       << (d / "checkout.log").string() << " checkout;\n"
       << "      if ($arg_user ~ \"^blocked\") { return 402; }\n"
       << "      return 200 \"confirmed\\n\";\n    }\n"
       << "  }\n}\n";
  write_text(d / "nginx.conf", conf.str());
  pid_ = spawn(
      {"/usr/sbin/nginx", "-p", d.string(), "-e", (d / "error.log").string(),
       "-c", (d / "nginx.conf").string(), "-g", "daemon off;"},
      {}, d / "stdout", d / "stderr");
  for (int i = 0; i < 500; ++i) {
    std::string out;
    // -k: the readiness probe is not the place to judge the certificate.
    if (run_command("curl -sk -o /dev/null -w '%{http_code}' " + url("/ok"),
                    &out) == 0 &&
        out == "200")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // A throwing constructor gets no destructor call: stop nginx here.
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  throw std::runtime_error(
      "nginx did not start: " + read_text(d / "error.log") +
      read_text(d / "stderr"));
}

NginxProcess::~NginxProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGQUIT);
    int status;
    if (!wait_exit(pid_, 5000, &status)) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
}

grpc::Status run_to_end(const HostProcess &host, const golo::RunRequest &req) {
  auto stub = golo::Runner::NewStub(host.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  // In pieces, as golo run sends a request over one message.
  auto stream = stub->RunStream(&ctx);
  golo::wire::send_run_request_pieces(
      req, [&](const golo::RunRequest &piece) { return stream->Write(piece); });
  stream->WritesDone();
  golo::RunUpdate update;
  while (stream->Read(&update)) {
  }
  return stream->Finish();
}

std::uint64_t job_calls(const HostProcess &host, const std::string &job) {
  const auto list = host.list();
  for (const auto &p : list.plugins())
    if (p.job() == job) return p.calls();
  return 0;
}

std::uint64_t loaded_job_calls(const HostProcess &host, const std::string &job,
                               std::uint64_t *in_flight) {
  const auto list = host.list();
  for (const auto &p : list.plugins())
    if (p.job() == job) {
      if (in_flight) *in_flight = p.inflight();
      return p.calls();
    }
  FAIL("job " << job << " is not loaded");
  return 0;
}

}  // namespace golo::test
