// Test fixtures that start real processes: golo-host on a free port, and
// nginx as an HTTP target on loopback. Both are stopped by their destructors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "golo/golo.grpc.pb.h"

namespace golo::test {

namespace fs = std::filesystem;

// A fresh directory under the build tree, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string &prefix = "golo-test");
  ~TempDir();
  const fs::path &path() const { return path_; }

 private:
  fs::path path_;
};

// Copies a built plugin into dir as NAME.so by writing beside and renaming,
// as the plugin guide tells users to (never in place).
void install_plugin(const fs::path &built_so, const fs::path &dir,
                    const std::string &name);
std::string read_text(const fs::path &p);
// Writes text to p, mode 0644.
void write_text(const fs::path &p, const std::string &text);

// golo-host's private-copy directory under base (its RUNTIME_DIRECTORY,
// XDG_RUNTIME_DIR or TMPDIR): the golo-host.XXXXXX whose pid file names
// pid; empty when there is none.
fs::path private_dir_of(const fs::path &base, pid_t pid);

class HostProcess {
 public:
  // Starts golo-host --plugins dir --listen 127.0.0.1:0 [extra args] (no
  // --listen of its own when extra has one) and waits until it serves. Its
  // log goes to log_path(). `prefix`: a command that execs the rest
  // (setpriv, prlimit), so pid() is still the host's.
  explicit HostProcess(const fs::path &plugins_dir,
                       std::vector<std::string> extra_args = {},
                       std::vector<std::string> env = {},
                       std::vector<std::string> prefix = {});
  ~HostProcess();  // SIGTERM, then SIGKILL after 10 s

  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // the supervisor
  // The newest worker's pid (it loads the plugins), from the supervisor's
  // log line "worker N started (pid P)"; -1 when none started.
  pid_t worker_pid() const;
  // Where it serves: 127.0.0.1, or the loopback address of a --listen given.
  std::string address() const { return ip_ + ":" + std::to_string(port_); }
  fs::path log_path() const { return log_; }
  std::string log() const { return read_text(log_); }
  std::shared_ptr<grpc::Channel> channel() const;
  void signal(int sig) const;
  // Sends SIGTERM and waits; returns the exit status (or -1 on timeout).
  int stop(int timeout_ms = 15000);
  // Waits for the host to exit without signalling it; as stop().
  int wait(int timeout_ms);

  // Convenience calls with a 10 s deadline.
  grpc::Status trigger(const std::string &job, golo::Response &out) const;
  golo::ListPluginsResponse list() const;
  golo::ReloadResponse reload() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string ip_ = "127.0.0.1";
  TempDir logs_{"golo-host-log"};
  fs::path log_;
};

// PEM files for NginxProcess to serve https with; empty for plain http.
struct NginxTls {
  fs::path cert, key;
};

class NginxProcess {
 public:
  // Serves /ok (200 "hello\n"), /404 and /500, over https when tls names a
  // certificate; and a shop for plugins/journey: /login, /browse (200) and
  // /checkout?user=NAME, 402 for a NAME starting "blocked", else 200, each
  // logged as "STATUS NAME" in checkout_log().
  explicit NginxProcess(const NginxTls &tls = {});
  ~NginxProcess();
  int port() const { return port_; }
  fs::path checkout_log() const { return dir_.path() / "checkout.log"; }
  std::string url(const std::string &path) const {
    return (https_ ? "https" : "http") + std::string("://127.0.0.1:") +
           std::to_string(port_) + path;
  }

 private:
  TempDir dir_{"golo-nginx"};
  pid_t pid_ = -1;
  int port_ = 0;
  bool https_ = false;
};

// Any program started in the background (the golo CLI, say, to send it a
// signal mid-run), its stdout and stderr kept. Killed by the destructor if
// still running.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string> &argv);
  ~ChildProcess();
  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits for the exit; returns the exit code (128 + signal), -1 on timeout.
  int wait(int timeout_ms = 30000);
  std::string output() const;  // stdout, then stderr

 private:
  TempDir dir_{"golo-child"};
  pid_t pid_ = -1;
};

// Threads of a live process, from /proc/PID/status; -1 if it is gone.
int thread_count(pid_t pid);

// The value of a response's tag, or "<missing KEY>".
std::string tag(const golo::Response &r, const std::string &key);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

// Paths the build passes in.
fs::path golo_host_binary();
fs::path golo_cli_binary();
fs::path example_plugin(const std::string &name);
fs::path test_plugin(const std::string &name);
fs::path plugin_include_dir();

// How many calls the host's job has served (ListPlugins); 0 when the job is
// not loaded there.
std::uint64_t job_calls(const HostProcess &host, const std::string &job);

// Sends one Runner.Run (30 s deadline) and reads its stream to the end,
// dropping the updates: the call's status.
grpc::Status run_to_end(const HostProcess &host, const golo::RunRequest &req);
// The same for a job that must be loaded (the test fails if not); in_flight,
// when given, gets its calls in flight.
std::uint64_t loaded_job_calls(const HostProcess &host, const std::string &job,
                               std::uint64_t *in_flight = nullptr);

// Runs a shell command; returns its exit status and stdout (stderr appended
// when merge_stderr).
int run_command(const std::string &cmd, std::string *out = nullptr,
                bool merge_stderr = true);

// Makes the TLS tests' throwaway certificates in dir (make_test_certs.sh
// says which); throws with the script's output when it fails.
void make_test_certs(const fs::path &dir);

}  // namespace golo::test
