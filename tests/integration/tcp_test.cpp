// The host's TCP calls (ABI 1.2, host->tcp_*) through a real golo-host,
// driven by tests/plugins/tcp_probe.c on threads (tcp_probe) and on fibers
// (fiber_tcp_probe): against a Python line server started once for the
// program (echoes each line; SLOW answers after 100 ms, SILENT never,
// CLOSE closes, COUNT tells how many other connections it holds), a port
// nothing listens on, and a name that does not resolve.
#include <doctest/doctest.h>
#include <golo/plugin.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const char *kLineServer = R"(
import asyncio, sys
held = 0
async def serve(reader, writer):
    global held
    held += 1
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            word = line.strip()
            if word == b'COUNT':
                writer.write(b'%d\n' % (held - 1))
            elif word == b'SLOW':
                await asyncio.sleep(0.1)
                writer.write(line)
            elif word == b'SILENT':
                continue
            elif word == b'CLOSE':
                break
            else:
                writer.write(line)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        held -= 1
        writer.close()
async def main():
    server = await asyncio.start_server(serve, '127.0.0.1', int(sys.argv[1]),
                                        backlog=512)
    async with server:
        await server.serve_forever()
asyncio.run(main())
)";

// A connection of the test's own to the line server: one line out, one in.
std::string ask(int port, const std::string &line) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
      send(fd, (line + "\n").data(), line.size() + 1, MSG_NOSIGNAL) > 0) {
    char c;
    while (recv(fd, &c, 1, 0) == 1 && c != '\n') reply += c;
  }
  close(fd);
  return reply;
}

struct TcpHost {
  TempDir dir;
  int port = free_port(), refused_port = free_port();
  std::unique_ptr<ChildProcess> server;
  std::unique_ptr<HostProcess> host;

  // Installs the probe (fibers: fiber_tcp_probe) as job with settings.
  void job(const std::string &name, bool fibers, const std::string &conf) {
    install_plugin(test_plugin(fibers ? "fiber_tcp_probe" : "tcp_probe"),
                   dir.path(), name);
    write_text(dir.path() / (name + ".conf"), conf);
  }

  TcpHost() {
    server = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/usr/bin/python3", "-c", kLineServer, std::to_string(port)});
    const std::string at = "port = " + std::to_string(port) + "\n";
    for (const bool fibers : {false, true}) {
      const std::string p = fibers ? "fiber_" : "thread_";
      job(p + "echo", fibers, at + "message = hello\n");
      job(p + "slow", fibers, at + "message = SLOW\n");
      job(p + "timeout", fibers, at + "message = SILENT\ntimeout_ms = 300\n");
      job(p + "silent", fibers, at + "message = SILENT\n");
      job(p + "closed", fibers, at + "message = CLOSE\n");
      job(p + "dns", fibers, "host = nonexistent.invalid\nport = 7\n");
    }
    job("fiber_localhost", true, at + "host = localhost\n");
    job("thread_refused", false,
        "port = " + std::to_string(refused_port) + "\n");
    job("thread_misuse", false, "mode = misuse\n");
    job("thread_hoard", false, at + "mode = hoard\n");
    job("fiber_drain", true, at + "message = hello\n");
    job("thread_drain", false, at + "message = hello\n");
    job("thread_null_buffers", false, at + "null_buffers = 1\n");
    host = std::make_unique<HostProcess>(
        dir.path(), std::vector<std::string>{"--loops", "2"});
    // The server is up once it answers (Python takes a moment to start).
    const auto end = Clock::now() + 30s;
    while (ask(port, "COUNT").empty() && Clock::now() < end)
      std::this_thread::sleep_for(20ms);
  }
};

TcpHost &shared() {
  static TcpHost h;
  return h;
}

// Waits (up to 20 s) until the server holds `want` other connections.
bool server_holds(int port, int want, std::string &last) {
  const auto end = Clock::now() + 20s;
  while (Clock::now() < end) {
    last = ask(port, "COUNT");
    if (last == std::to_string(want)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

golo::Response call(const std::string &job) {
  golo::Response r;
  const auto status = shared().host->trigger(job, r);
  REQUIRE_MESSAGE(status.ok(), status.error_message());
  return r;
}

std::int64_t num(const golo::Response &r, const std::string &key) {
  return std::stoll(tag(r, key));
}

// Runs `yaml` to its end: the call's status (results: what the host sent).
// No doctest assertion: callable from a thread of the test's own.
grpc::Status run_status(const std::string &yaml, json &results) {
  auto stub = golo::Runner::NewStub(shared().host->channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 60s);
  golo::RunRequest req;
  req.set_scheduleyaml(yaml);
  req.set_schedulefile("tcp.yaml");
  auto reader = stub->Run(&ctx, req);
  golo::RunUpdate u;
  while (reader->Read(&u))
    if (!u.has_progress()) results = json::parse(u.resultsjson());
  return reader->Finish();
}

json run(const std::string &yaml) {
  json results;
  const auto status = run_status(yaml, results);
  REQUIRE_MESSAGE(status.ok(), status.error_message());
  return results;
}

// The count of the step named name, 0 when absent.
std::uint64_t step_count(const json &results, const std::string &name) {
  for (const auto &s : results.at("total").at("steps"))
    if (s.at("name") == name) return s.at("count").get<std::uint64_t>();
  return 0;
}

std::uint64_t tagged(const json &results, const std::string &key) {
  for (const auto &set : results.at("tag_sets"))
    if (set.at("key") == key) return set.at("iterations").get<std::uint64_t>();
  return 0;
}

std::uint64_t total(const json &r, const char *what) {
  return r.at("total").value(what, std::uint64_t{0});
}

}  // namespace

TEST_CASE("tcp: echo round trips on threads and on fibers") {
  auto &h = shared();
  // A single Job.Trigger call: a user of one call, on a thread.
  const auto r = call("thread_echo");
  CHECK(tag(r, "open") == "0");
  CHECK(tag(r, "send") == "6");
  CHECK(tag(r, "recv") == "6");
  CHECK(tag(r, "reply") == "hello\n");
  CHECK_FALSE(r.error());
  for (const std::string job : {"thread_echo", "fiber_echo"}) {
    const json res = run("job: {name: " + job +
                         ", users: 4, duration: 1s, pacing: 0, "
                         "tags: [recv]}\n");
    const auto n = total(res, "iterations");
    MESSAGE(job << ": " << n << " round trips");
    CHECK(n >= 40);
    CHECK(total(res, "errors") == 0);
    CHECK(tagged(res, "recv=6") == n);
    // The plugin's own step, as the docs tell plugins to record one.
    CHECK(step_count(res, "echo") == n);
  }
  // Each user kept its one connection across its iterations, and the host
  // closed them when the users ended (the plugin never does).
  std::string last;
  CHECK_MESSAGE(server_holds(h.port, 0, last), "the server holds " << last);
}

TEST_CASE("tcp: 40 fiber users of a 100 ms server park and never block") {
  const json r =
      run("job: {name: fiber_slow, users: 40, duration: 2s, pacing: 0, "
          "tags: [recv]}\n");
  // Parked, each user waits out its own 100 ms: about 20 round trips each,
  // 800 in all. Blocking its loop, each of the 2 loops would wait for one
  // at a time: about 40 in all, every one a stall.
  const auto n = total(r, "iterations");
  MESSAGE("round trips " << n << ", stalls " << r.value("stalls", 0));
  CHECK(n >= 300);
  CHECK(total(r, "errors") == 0);
  CHECK(tagged(r, "recv=5") == n);
  CHECK(r.value("stalls", std::uint64_t{0}) * 10 < n);
}

TEST_CASE(
    "tcp: refused and timeout and DNS and the peer closing each get their "
    "class") {
  auto r = call("thread_refused");
  CHECK(num(r, "open") == GOLO_TCP_REFUSED);
  CHECK(tag(r, "error_text") == "tcp_open: connect to 127.0.0.1 port " +
                                    std::to_string(shared().refused_port) +
                                    ": Connection refused");
  CHECK(r.error());
  r = call("thread_dns");
  CHECK(num(r, "open") == GOLO_TCP_DNS);
  CHECK(tag(r, "error_text").find("could not resolve nonexistent.invalid") !=
        std::string::npos);
  r = call("thread_timeout");
  CHECK(num(r, "recv") == GOLO_TCP_TIMEOUT);
  CHECK(tag(r, "error_text").find("tcp_recv (handle 1): the timeout passed") ==
        0);
  r = call("thread_closed");
  CHECK(num(r, "recv") == 0);  // the peer's close: no more bytes
  // The same classes on fibers, parked.
  json res =
      run("job: {name: fiber_timeout, users: 2, duration: 1s, pacing: 0, "
          "tags: [recv]}\n");
  CHECK(total(res, "iterations") >= 2);
  CHECK(tagged(res, "recv=" + std::to_string(GOLO_TCP_TIMEOUT)) ==
        total(res, "iterations"));
  CHECK(res.value("stalls", 0) == 0);
  res =
      run("job: {name: fiber_closed, users: 2, duration: 1s, pacing: 100ms, "
          "tags: [recv]}\n");
  CHECK(tagged(res, "recv=0") == total(res, "iterations"));
  res =
      run("job: {name: fiber_dns, users: 2, duration: 1s, pacing: 100ms, "
          "tags: [open]}\n");
  CHECK(total(res, "iterations") >= 2);
  CHECK(tagged(res, "open=" + std::to_string(GOLO_TCP_DNS)) ==
        total(res, "iterations"));
  // A name that resolves, looked up off the loop, on fibers.
  res =
      run("job: {name: fiber_localhost, users: 2, duration: 1s, pacing: 100ms, "
          "tags: [recv]}\n");
  CHECK(total(res, "iterations") >= 2);
  CHECK(tagged(res, "recv=5") == total(res, "iterations"));
  CHECK(res.value("stalls", 0) == 0);
}

TEST_CASE("tcp: bad handles and buffers fail with GOLO_TCP_INVALID and why") {
  const auto r = call("thread_misuse");
  const std::string invalid = std::to_string(GOLO_TCP_INVALID);
  for (const char *key :
       {"open_null_handle", "open_port_0", "open_null_host", "send_bad_handle",
        "recv_bad_handle", "close_bad_handle", "foreign_ctx", "null_ctx"})
    CHECK_MESSAGE(tag(r, key) == invalid, key);
  CHECK(tag(r, "open_null_handle_text") == "tcp_open: handle is NULL");
  CHECK(tag(r, "open_port_0_text") ==
        "tcp_open: port 0 is not one from 1 to 65535");
  CHECK(tag(r, "open_port_0_handle") == "0");
  CHECK(tag(r, "send_bad_handle_text") ==
        "tcp_send (handle 12345): not a connection this user holds open");
  CHECK(tag(r, "close_bad_handle_text") ==
        "tcp_close (handle 12345): not a connection this user holds open");
  CHECK(tag(r, "foreign_ctx_text") ==
        "tcp: ctx is not the golo_trigger call running on this thread");
  // A NULL buffer on a real connection: refused, the connection unharmed.
  const auto n = call("thread_null_buffers");
  CHECK(tag(n, "send_null_buf") == invalid);
  CHECK(tag(n, "send_null_buf_text") ==
        "tcp_send (handle 1): buf is NULL with len 3");
  CHECK(tag(n, "recv_null_buf") == invalid);
  CHECK(tag(n, "send_negative_timeout") == invalid);
  CHECK(tag(n, "reply") == "ping\n");
}

TEST_CASE("tcp: the run's stop ends recv parked on fibers and on threads") {
  auto &h = shared();
  for (const std::string job : {"fiber_silent", "thread_silent"}) {
    // Each user waits in recv (30 s timeout) for a reply that never comes;
    // the run ends at 1 s and its graceful stop 200 ms later.
    const auto began = Clock::now();
    const json r = run("job: {name: " + job +
                       ", users: 4, duration: 1s, graceful_stop: 200ms}\n");
    const auto took = Clock::now() - began;
    MESSAGE(job << ": the run took " << (took / 1ms) << " ms");
    CHECK(took < 10s);
    CHECK(total(r, "iterations") + total(r, "interrupted") >= 4);
    // No call of the job is still waiting once the run is over.
    std::uint64_t in_flight = 1;
    for (int i = 0; i < 100 && in_flight != 0; ++i) {
      loaded_job_calls(*h.host, job, &in_flight);
      if (in_flight) std::this_thread::sleep_for(50ms);
    }
    CHECK(in_flight == 0);
  }
  std::string last;
  CHECK_MESSAGE(server_holds(h.port, 0, last), "the server holds " << last);
}

TEST_CASE("tcp: the connections a plugin keeps are closed when users end") {
  auto &h = shared();
  std::string last;
  REQUIRE(server_holds(h.port, 0, last));
  for (const std::string job : {"fiber_echo", "thread_echo"}) {
    // 5 users keep one connection each (never closed by the plugin) for a
    // 3 s run: the server sees 5 while it runs and none after.
    json r;
    grpc::Status status;
    std::thread running([&] {
      status = run_status(
          "job: {name: " + job + ", users: 5, duration: 3s, pacing: 100ms}\n",
          r);
    });
    const bool held = server_holds(h.port, 5, last);
    running.join();
    REQUIRE_MESSAGE(status.ok(), status.error_message());
    CHECK_MESSAGE(held, job << ": the server held " << last);
    CHECK(total(r, "errors") == 0);
    CHECK_MESSAGE(server_holds(h.port, 0, last),
                  job << ": the server still holds " << last);
  }
}

TEST_CASE(
    "tcp: a user holds at most GOLO_TCP_MAX_OPEN, and the host closes "
    "what it left open") {
  auto &h = shared();
  std::string last;
  REQUIRE(server_holds(h.port, 0, last));
  const auto r = call("thread_hoard");
  CHECK(num(r, "opened") == GOLO_TCP_MAX_OPEN);
  CHECK(num(r, "refused") == GOLO_TCP_INVALID);
  CHECK(tag(r, "refused_text") ==
        "tcp_open: this user holds " + std::to_string(GOLO_TCP_MAX_OPEN) +
            " connections open, the most GOLO_TCP_MAX_OPEN allows; "
            "tcp_close those it is done with");
  CHECK(num(r, "refused_handle") == 0);  // no handle for a refused open
  // One closed makes room for one more.
  CHECK(num(r, "close") == 0);
  CHECK(num(r, "reopen") == 0);
  // The call was a user of its own: its end closed all 256.
  CHECK_MESSAGE(server_holds(h.port, 0, last), "the server holds " << last);
}

TEST_CASE(
    "tcp: a reload drains each user's kept connection off the old "
    "version") {
  auto &h = shared();
  std::string last;
  REQUIRE(server_holds(h.port, 0, last));
  for (const std::string job : {"fiber_drain", "thread_drain"}) {
    // 5 users keep a connection each. A changed settings file makes a new
    // version: each user's old connection is closed at its drain, and the
    // new version opens its own, so the server holds 5 again, not 10.
    json r;
    grpc::Status status;
    std::thread running([&] {
      status = run_status(
          "job: {name: " + job + ", users: 5, duration: 5s, pacing: 100ms}\n",
          r);
    });
    const bool before = server_holds(h.port, 5, last);
    const auto conf = h.dir.path() / (job + ".conf");
    write_text(conf, read_text(conf) + "# v2\n");
    h.host->reload();
    // Every user has run the new version after 1 s (pacing 100 ms); a
    // user between its drain and its next open may make it 4 for a moment.
    std::this_thread::sleep_for(1s);
    std::string after = ask(h.port, "COUNT");
    for (int i = 0; i < 20 && after != "5"; ++i) {
      std::this_thread::sleep_for(50ms);
      after = ask(h.port, "COUNT");
    }
    running.join();
    REQUIRE_MESSAGE(status.ok(), status.error_message());
    CHECK_MESSAGE(before,
                  job << ": before the reload the server held " << last);
    CHECK_MESSAGE(after == "5",
                  job << ": after the reload the server held " << after);
    CHECK(total(r, "errors") == 0);
    CHECK(total(r, "iterations") >= 20);
    CHECK_MESSAGE(server_holds(h.port, 0, last),
                  job << ": the server still holds " << last);
  }
}
