// The fiber executor through a real golo-host (issue 23): a plugin that
// declares GOLO_EXECUTOR_FIBERS runs its users as fibers on the host's
// loops, its sleeps parked; the same code without the field runs on threads
// as before. Started once for the program: one host, a plugins directory
// with noop, fiber_think, thread_think, fiber_block and fiber_http_probe,
// and a slow Python HTTP target.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A target that answers every GET after 100 ms, many at once (a thread per
// connection, kept alive): waits a fiber plugin's users must not share.
// With a certificate and key after the port, over TLS (each connection's
// handshake in its own thread).
const char *kSlowTarget = R"(
import http.server, ssl, sys
class Slow(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        import time; time.sleep(0.1)
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *args): pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True
server = Server(('127.0.0.1', int(sys.argv[1])), Slow)
if len(sys.argv) > 2:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = tls.wrap_socket(server.socket, server_side=True,
                                    do_handshake_on_connect=False)
server.serve_forever()
)";

struct FiberHost {
  TempDir dir;
  std::unique_ptr<HostProcess> host;
  TempDir certs{"golo-fiber-certs"};
  std::unique_ptr<ChildProcess> target, tls_target;
  int target_port = free_port(), tls_port = free_port();
  FiberHost() {
    target = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/usr/bin/python3", "-c", kSlowTarget, std::to_string(target_port)});
    make_test_certs(certs.path());
    tls_target = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/usr/bin/python3", "-c", kSlowTarget, std::to_string(tls_port),
        (certs.path() / "server.pem").string(),
        (certs.path() / "server.key").string()});
    install_plugin(test_plugin("fiber_http_probe"), dir.path(),
                   "fiber_http_probe");
    write_text(
        dir.path() / "fiber_http_probe.conf",
        "url = http://127.0.0.1:" + std::to_string(target_port) + "/slow\n");
    install_plugin(test_plugin("fiber_http_probe"), dir.path(),
                   "fiber_https_probe");
    write_text(dir.path() / "fiber_https_probe.conf",
               "url = https://127.0.0.1:" + std::to_string(tls_port) +
                   "/slow\nhttp_ca_file = " +
                   (certs.path() / "ca.pem").string() + "\n");
    // The same fiber plugin asking for HTTP/2, which goes through libcurl's
    // multi interface (the target speaks only HTTP/1.1: curl still sends).
    install_plugin(test_plugin("fiber_http_probe"), dir.path(),
                   "fiber_h2_probe");
    write_text(dir.path() / "fiber_h2_probe.conf",
               "url = https://127.0.0.1:" + std::to_string(tls_port) +
                   "/slow\nhttp_ca_file = " +
                   (certs.path() / "ca.pem").string() + "\nhttp2 = true\n");
    install_plugin(example_plugin("noop"), dir.path(), "noop");
    install_plugin(test_plugin("fiber_think"), dir.path(), "fiber_think");
    install_plugin(test_plugin("thread_think"), dir.path(), "thread_think");
    install_plugin(test_plugin("fiber_block"), dir.path(), "fiber_block");
    write_text(dir.path() / "fiber_block.conf",
               "think_ms = 1\nblock_ms = 25\n");
    write_text(dir.path() / "fiber_think.conf", "think_ms = 10000\n");
    write_text(dir.path() / "thread_think.conf", "think_ms = 100\n");
    // Started with a low soft limit of open files, which the worker raises
    // to the hard one (its users' connections need them).
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    const rlimit low{std::min<rlim_t>(files.rlim_cur, 256), files.rlim_max};
    setrlimit(RLIMIT_NOFILE, &low);
    host = std::make_unique<HostProcess>(
        dir.path(), std::vector<std::string>{"--loops", "2"});
    setrlimit(RLIMIT_NOFILE, &files);
  }
};

FiberHost &shared_host() {
  static FiberHost h;
  return h;
}

// Runs `yaml` on the host to its end; the results, and the status.
grpc::Status run(const HostProcess &host, const std::string &yaml,
                 json &results, grpc::ClientContext *ctx = nullptr) {
  grpc::ClientContext own;
  auto stub = golo::Runner::NewStub(host.channel());
  golo::RunRequest req;
  req.set_scheduleyaml(yaml);
  req.set_schedulefile("fibers.yaml");
  auto reader = stub->Run(ctx ? ctx : &own, req);
  golo::RunUpdate u;
  while (reader->Read(&u))
    if (!u.has_progress()) results = json::parse(u.resultsjson());
  return reader->Finish();
}

int threads_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

std::uint64_t tagged(const json &results, const std::string &key) {
  for (const auto &set : results.at("tag_sets"))
    if (set.at("key") == key) return set.at("iterations").get<std::uint64_t>();
  return 0;
}

}  // namespace

TEST_CASE("fibers: 10000 paced noop users run exact counts on two loops") {
  auto &h = shared_host();
  const int before = threads_of(h.host->worker_pid());
  int most = before;
  std::atomic<bool> done{false};
  std::thread watch([&] {
    while (!done) {
      most = std::max(most, threads_of(h.host->worker_pid()));
      std::this_thread::sleep_for(100ms);
    }
  });
  json r;
  const auto status = run(*h.host,
                          "job: {name: noop, users: 10000, duration: 3s, "
                          "pacing: 1s, graceful_stop: 10s}\n",
                          r);
  done = true;
  watch.join();
  REQUIRE(status.ok());
  const auto &total = r.at("total");
  // Each user starts at 0, 1 and 2 s: three each, exactly.
  CHECK(total.at("iterations").get<std::uint64_t>() == 30000);
  CHECK(total.at("errors").get<std::uint64_t>() == 0);
  CHECK(total.value("interrupted", 0) == 0);
  // Two loops and the run's own threads, not ten thousand.
  INFO("worker threads before " << before << ", at most " << most);
  CHECK(most < before + 20);
  CHECK(h.host->log().find("on 2 fiber loops") != std::string::npos);
}

TEST_CASE("fibers: the run's end cuts sleeps parked on the loops") {
  auto &h = shared_host();
  json r;
  const auto began = Clock::now();
  // Every user parks in a 10 s think time; the run lasts 1 s and would let
  // iterations finish for 60 s more.
  const auto status = run(*h.host,
                          "job: {name: fiber_think, users: 200, duration: 1s, "
                          "graceful_stop: 60s, tags: [sleep]}\n",
                          r);
  REQUIRE(status.ok());
  CHECK(Clock::now() - began < 8s);
  const auto &total = r.at("total");
  CHECK(total.at("iterations").get<std::uint64_t>() == 200);
  CHECK(total.value("interrupted", 0) == 0);
  CHECK(tagged(r, "sleep=stopped") == 200);
  CHECK(tagged(r, "sleep=whole") == 0);
}

TEST_CASE("fibers: a caller gone stops users parked in sleep") {
  auto &h = shared_host();
  grpc::ClientContext ctx;
  std::thread cancel([&] {
    std::this_thread::sleep_for(700ms);
    ctx.TryCancel();
  });
  json r;
  const auto began = Clock::now();
  const auto status = run(*h.host,
                          "job: {name: fiber_think, users: 300, "
                          "duration: 60s, graceful_stop: 60s}\n",
                          r, &ctx);
  cancel.join();
  CHECK(status.error_code() == grpc::StatusCode::CANCELLED);
  // The parked calls end at once: none in flight within a few seconds.
  std::uint64_t in_flight = 1;
  for (int i = 0; i < 100 && in_flight != 0; ++i) {
    loaded_job_calls(*h.host, "fiber_think", &in_flight);
    if (in_flight) std::this_thread::sleep_for(50ms);
  }
  CHECK(in_flight == 0);
  CHECK(Clock::now() - began < 10s);
}

TEST_CASE("fibers: a plugin without the field runs on threads as before") {
  auto &h = shared_host();
  const int before = threads_of(h.host->worker_pid());
  int most = before;
  std::atomic<bool> done{false};
  std::thread watch([&] {
    while (!done) {
      most = std::max(most, threads_of(h.host->worker_pid()));
      std::this_thread::sleep_for(50ms);
    }
  });
  json r;
  const auto status =
      run(*h.host,
          "job: {name: thread_think, users: 100, duration: 1s, pacing: 200ms, "
          "tags: [sleep]}\n",
          r);
  done = true;
  watch.join();
  REQUIRE(status.ok());
  // A thread per user, and its 100 ms sleeps run whole: 5 each.
  INFO("worker threads before " << before << ", at most " << most);
  CHECK(most >= before + 100);
  CHECK(r.at("total").at("iterations").get<std::uint64_t>() == 500);
  CHECK(tagged(r, "sleep=whole") == 500);
}

TEST_CASE("fibers: a fiber plugin that blocks its loop is reported") {
  auto &h = shared_host();
  json r;
  // 25 ms of libc nanosleep an iteration: 3 users x 2 iterations, each a
  // stall; the log names each user once.
  const auto status = run(
      *h.host,
      "job: {name: fiber_block, users: 3, duration: 1s, pacing: 500ms}\n", r);
  REQUIRE(status.ok());
  CHECK(r.at("total").at("iterations").get<std::uint64_t>() == 6);
  CHECK(r.value("stalls", 0) == 6);
  const std::string log = h.host->log();
  for (const char *user : {"user 0 ", "user 1 ", "user 2 "})
    CHECK(log.find(std::string(user) + "of job fiber_block ran") !=
          std::string::npos);
  // A fiber plugin that parks has none.
  json quiet;
  REQUIRE(run(*h.host,
              "job: {name: fiber_think, users: 3, duration: 1s, "
              "pacing: 500ms}\n",
              quiet)
              .ok());
  CHECK(quiet.value("stalls", 0) == 0);
  // golo plugins says which plugins run on fibers and which blocked: each
  // user of fiber_block once (this run's 3), none of fiber_think's.
  std::map<std::string, golo::PluginStatus> by_job;
  const auto listed = h.host->list();
  for (const auto &p : listed.plugins()) by_job[p.job()] = p;
  CHECK(by_job.at("fiber_block").fibers());
  CHECK(by_job.at("fiber_block").stalledusers() == 3);
  CHECK(by_job.at("fiber_think").fibers());
  CHECK(by_job.at("fiber_think").stalledusers() == 0);
  CHECK_FALSE(by_job.at("thread_think").fibers());
  std::string table;
  REQUIRE(run_command(golo_cli_binary().string() + " plugins --host " +
                          h.host->address(),
                      &table) == 0);
  std::istringstream rows(table);
  bool seen = false;
  for (std::string row; std::getline(rows, row);) {
    if (row.rfind("fiber_block ", 0) != 0) continue;
    seen = true;
    std::istringstream cols(row);
    std::vector<std::string> c;
    for (std::string w; cols >> w;) c.push_back(w);
    // JOB NAME VERSION ABI SHA256 LOADED(date time) USERS CALLS ERRORS
    // INFLIGHT STUCK STALLED DRAINING FILE
    REQUIRE(c.size() == 15);
    CHECK(c[7] == "fibers");
    CHECK(c[12] == "3");
  }
  CHECK(seen);
}

// Waits until url answers (curl_args: its trust), true when it does.
bool answers(const std::string &url, const std::string &curl_args = "") {
  for (int i = 0; i < 500; ++i) {
    if (run_command("curl -sf -o /dev/null " + curl_args + " " + url +
                    " 2>/dev/null") == 0)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// 40 users of job on 2 loops for 2 s against the 100 ms target; fewer
// than one request in `per_stall` a stall.
void check_parked(const HostProcess &host, const std::string &job,
                  std::uint64_t per_stall = 10) {
  json r;
  REQUIRE(run(host,
              "job: {name: " + job +
                  ", users: 40, duration: 2s, pacing: 0, tags: [status]}\n",
              r)
              .ok());
  // Parked, each user waits out its own 100 ms: about 20 requests each, 800
  // in all. Blocking its loop, each of the 2 loops would wait for one
  // request at a time: about 40 in all, every one a stall.
  const auto n = r.at("total").at("iterations").get<std::uint64_t>();
  MESSAGE(job << ": requests " << n << ", stalls " << r.value("stalls", 0));
  CHECK(n >= 300);
  CHECK(r.at("total").at("errors").get<std::uint64_t>() == 0);
  CHECK(tagged(r, "status=200") == n);
  CHECK(r.value("stalls", std::uint64_t{0}) * per_stall < n);
}

TEST_CASE("fibers: plain http:// requests park: 40 users of a 100 ms target") {
  auto &h = shared_host();
  // The target is up once it answers (it starts with the program).
  REQUIRE(answers("http://127.0.0.1:" + std::to_string(h.target_port) + "/"));
  check_parked(*h.host, "fiber_http_probe");
}

TEST_CASE("fibers: https:// requests park too: handshakes, reads and writes") {
  auto &h = shared_host();
  REQUIRE(answers("https://127.0.0.1:" + std::to_string(h.tls_port) + "/",
                  "--cacert " + (h.certs.path() / "ca.pem").string()));
  check_parked(*h.host, "fiber_https_probe");
}

TEST_CASE("fibers: requests that go through libcurl park too (http2 = true)") {
  auto &h = shared_host();
  REQUIRE(answers("https://127.0.0.1:" + std::to_string(h.tls_port) + "/",
                  "--cacert " + (h.certs.path() / "ca.pem").string()));
  // The same 40 users and 800 requests as HTTP/1.1's, through curl's multi
  // interface (this target offers no HTTP/2: curl sends HTTP/1.1). A user's
  // first connection costs its loop no CA file (the host's store,
  // trust_store.h), so the bound is HTTP/1.1's, where blocking would make
  // each request a stall.
  check_parked(*h.host, "fiber_h2_probe");
}

TEST_CASE("fibers: connections to one target take ports of both parities") {
  // connect() takes ports of one parity first, then, that half used up by
  // one target (14,000 connections), scanned it all each time: 3.7 ms on
  // the loop. A socket's own port range (Linux 6.3) scans both in one pass.
  auto &h = shared_host();
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  const std::uint32_t range = 65535u << 16 | 1u;
  const bool supported =
      setsockopt(probe, IPPROTO_IP, 51 /* IP_LOCAL_PORT_RANGE */, &range,
                 sizeof range) == 0;
  close(probe);
  if (!supported) {
    MESSAGE("this kernel has no IP_LOCAL_PORT_RANGE: nothing to check");
    return;
  }
  REQUIRE(answers("http://127.0.0.1:" + std::to_string(h.target_port) + "/"));
  json r;
  REQUIRE(run(*h.host,
              "job: {name: fiber_http_probe, users: 32, duration: 1s, "
              "pacing: 5s}\n",
              r)
              .ok());
  CHECK(r.at("total").at("iterations").get<std::uint64_t>() == 32);
  // The users' connections, closed at their end, wait in TIME_WAIT.
  std::string out;
  REQUIRE(run_command("ss -Htan dst 127.0.0.1:" + std::to_string(h.target_port),
                      &out) == 0);
  std::istringstream rows(out);
  int even = 0, odd = 0;
  for (std::string state, rq, sq, local; rows >> state >> rq >> sq >> local;) {
    rows.ignore(1 << 20, '\n');
    const int port = std::stoi(local.substr(local.rfind(':') + 1));
    ++(port % 2 ? odd : even);
  }
  MESSAGE("local ports: " << even << " even, " << odd << " odd");
  CHECK(even + odd >= 32);
  CHECK(odd >= 1);
  CHECK(even >= 1);
}

TEST_CASE(
    "fibers: the worker raises its soft limit of open files to the hard") {
  auto &h = shared_host();
  const pid_t worker = h.host->worker_pid();
  REQUIRE(worker > 0);
  std::ifstream in("/proc/" + std::to_string(worker) + "/limits");
  std::string soft, hard;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream words(line.substr(14));
      words >> soft >> hard;
    }
  REQUIRE(!soft.empty());
  CHECK(soft == hard);
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max > 256)  // the host was started at 256
    CHECK(h.host->log().find("open files: the limit is raised from 256 to " +
                             std::to_string(files.rlim_max)) !=
          std::string::npos);
}

TEST_CASE(
    "fibers: the pre-flight warns when users outnumber the files a "
    "host may open") {
  TempDir dir, work;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  // Hard limit 128: the worker raises its soft limit to it and no further.
  HostProcess host(dir.path(), {}, {},
                   {"/usr/bin/prlimit", "--nofile=128:128", "--"});
  const auto schedule = [&](int users) {
    const auto file = work.path() / ("u" + std::to_string(users) + ".yaml");
    write_text(file, "job: {name: noop, users: " + std::to_string(users) +
                         ", duration: 1s, pacing: 100ms}\n");
    return file.string();
  };
  const std::string golo =
      golo_cli_binary().string() + " run --quiet --host " + host.address();
  std::string out;
  REQUIRE(run_command(golo + " " + schedule(200), &out) == 0);
  CHECK_MESSAGE(out.find("golo run: warning: host " + host.address() +
                         ": this run's 200 users (fibers) may each keep a "
                         "connection open, but its worker may open 128 "
                         "files") != std::string::npos,
                out);
  // The run itself went ahead: noop opens nothing.
  CHECK(out.find("total") != std::string::npos);
  // Within the limit, no warning.
  out.clear();
  REQUIRE(run_command(golo + " " + schedule(10), &out) == 0);
  CHECK_MESSAGE(out.find("warning") == std::string::npos, out);
}
