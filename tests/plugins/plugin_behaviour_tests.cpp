// Drives the example and test plugins through a minimal fake host (a table
// that records what the plugin set), so each plugin's own behaviour is
// checked here; the real host's handling of them is tested in integration.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <golo/plugin.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstddef>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "scripted_http_server.h"

#ifndef GOLO_EXAMPLE_PLUGIN_DIR
#error "GOLO_EXAMPLE_PLUGIN_DIR must be defined"
#endif

namespace {

struct Response {
  std::string id, output, failure;
  bool error = false;
  std::vector<std::pair<std::string, std::string>> tags;
  struct Step {
    std::string name;
    std::int64_t ns;
    bool failed;
  };
  std::vector<Step> steps;                           // ABI 1.1
  std::vector<std::pair<std::string, bool>> checks;  // ABI 1.1
};

// The opaque handles, as this fake host defines them.
}  // namespace
struct golo_response {
  Response r;
};
struct golo_plugin {
  std::map<std::string, std::string> settings;
  std::string init_error;
  std::vector<std::string> logs;
};

namespace {

std::string str(const char *s) { return s ? s : ""; }

// A 1.1 host: no HTTP, sleep or env (those need a real run; the integration
// tests cover them), so the plugins' fallbacks for older hosts run here.
const golo_host_api kHost = {
    offsetof(golo_host_api, http),
    GOLO_ABI_VERSION,
    1,
    [](golo_response *r, const char *id) { r->r.id = str(id); },
    [](golo_response *r, const char *d, size_t n) {
      r->r.output = d ? std::string(d, n) : "";
    },
    [](golo_response *r, int failed) { r->r.error = failed != 0; },
    [](golo_response *r, const char *m) { r->r.failure = str(m); },
    [](golo_response *r, const char *k, const char *v) {
      r->r.tags.emplace_back(str(k), str(v));
    },
    [](golo_response *r, const char *k, int64_t v) {
      r->r.tags.emplace_back(str(k), std::to_string(v));
    },
    [](golo_response *r, const char *k, uint64_t v) {
      r->r.tags.emplace_back(str(k), std::to_string(v));
    },
    [](golo_response *r, const char *k, double v) {
      r->r.tags.emplace_back(str(k), std::to_string(v));
    },
    [](golo_response *r, const char *k, int v) {
      r->r.tags.emplace_back(str(k), v ? "true" : "false");
    },
    [](char out[GOLO_SEQUENCE_ID_SIZE]) {
      std::snprintf(out, GOLO_SEQUENCE_ID_SIZE, "%s", GOLO_DEFAULT_SEQUENCE_ID);
      return 0;
    },
    [](const golo_plugin *p, int, const char *m) {
      const_cast<golo_plugin *>(p)->logs.push_back(str(m));
    },
    [](const golo_plugin *p, const char *k) -> const char * {
      auto it = p->settings.find(str(k));
      return it == p->settings.end() ? nullptr : it->second.c_str();
    },
    [](golo_plugin *p, const char *m) { p->init_error = str(m); },
    [](golo_response *r, const char *name, int64_t ns, int failed) {
      r->r.steps.push_back({str(name), ns, failed != 0});
    },
    []() -> int64_t {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    },
    [](golo_response *r, const char *name, int passed) {
      r->r.checks.emplace_back(str(name), passed != 0);
    },
    // A run whose data file has one row: user=alice.
    [](const golo_context *, const char *column) -> const char * {
      return column && std::string(column) == "user" ? "alice" : nullptr;
    },
    // 1.2's http, http_header, sleep, env and tcp_*: none here.
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

// The same host as a 1.0 build made it: its table ends before add_step (the
// members past size are there in memory, and must not be called).
const golo_host_api kHost10 = [] {
  golo_host_api t = kHost;
  t.size = offsetof(golo_host_api, add_step);
  t.abi_minor = 0;
  return t;
}();

// One loaded plugin: dlopen, init, trigger, shutdown, dlclose.
class Loaded {
 public:
  Loaded(const std::string &path, std::map<std::string, std::string> settings,
         const golo_host_api *host = &kHost)
      : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)), host_(host) {
    REQUIRE_MESSAGE(handle_ != nullptr, dlerror());
    plugin_.settings = std::move(settings);
    trigger_ = reinterpret_cast<decltype(trigger_)>(
        dlsym(handle_, GOLO_TRIGGER_SYMBOL));
    const bool has_trigger = trigger_ != nullptr;
    REQUIRE(has_trigger);
    init_ = reinterpret_cast<decltype(init_)>(dlsym(handle_, GOLO_INIT_SYMBOL));
    shutdown_ = reinterpret_cast<decltype(shutdown_)>(
        dlsym(handle_, GOLO_SHUTDOWN_SYMBOL));
    name_ = path.substr(path.rfind('/') + 1);
    name_ = name_.substr(0, name_.size() - 3);
    golo_init_args args{sizeof args, host_, &plugin_, name_.c_str()};
    init_rc_ = init_ ? init_(&args, &state_) : 0;
  }
  ~Loaded() {
    if (init_rc_ == 0 && shutdown_) shutdown_(state_);
    dlclose(handle_);
  }
  Loaded(const Loaded &) = delete;
  Loaded &operator=(const Loaded &) = delete;

  int init_rc() const { return init_rc_; }
  const golo_plugin &plugin() const { return plugin_; }

  std::pair<int, Response> call(uint32_t user = 0) {
    golo_context ctx{sizeof ctx, host_, &plugin_, state_, name_.c_str(),
                     0,          user,  0,        nullptr};
    golo_response resp;
    int rc = trigger_(&ctx, &resp);
    return {rc, resp.r};
  }
  void shutdown_now() {  // for tests that read what shutdown wrote
    if (init_rc_ == 0 && shutdown_) shutdown_(state_);
    shutdown_ = nullptr;
  }

 private:
  void *handle_;
  const golo_host_api *host_;
  golo_plugin plugin_;
  std::string name_;
  int (*trigger_)(const golo_context *, golo_response *) = nullptr;
  int (*init_)(const golo_init_args *, void **) = nullptr;
  void (*shutdown_)(void *) = nullptr;
  void *state_ = nullptr;
  int init_rc_ = 0;
};

std::string example(const char *name) {
  return std::string(GOLO_EXAMPLE_PLUGIN_DIR) + "/" + name + ".so";
}
std::string test_plugin(const char *name) {
  return std::string(GOLO_TEST_PLUGIN_DIR) + "/" + name + ".so";
}

// http_get's tests answer every request with one reply.
struct TinyHttp : golo::test::ScriptedServer {
  explicit TinyHttp(const std::string &reply)
      : ScriptedServer({golo::test::Reply{reply}}) {}
};

}  // namespace

TEST_CASE("noop returns 0 and sets nothing") {
  Loaded p(example("noop"), {});
  auto [rc, r] = p.call();
  CHECK(rc == 0);
  CHECK(r.output.empty());
  CHECK(r.tags.empty());
}

TEST_CASE("abi_tour sets id output and one tag of each type") {
  Loaded p(example("abi_tour"), {{"greeting", "hi"}});
  REQUIRE(p.init_rc() == 0);
  REQUIRE(p.plugin().logs.size() == 1);
  CHECK(p.plugin().logs[0].find("greeting \"hi\"") != std::string::npos);
  auto [rc, r] = p.call(3);
  CHECK(rc == 0);
  CHECK(r.id == GOLO_DEFAULT_SEQUENCE_ID);
  CHECK(r.output == "hi from abi_tour #1");
  REQUIRE(r.tags.size() == 5);
  CHECK(r.tags[0] ==
        std::make_pair(std::string("greeting"), std::string("hi")));
  CHECK(r.tags[1].second == "3");
  CHECK(r.tags[2].second == "1");
  CHECK(r.tags[4].second == "false");
}

TEST_CASE("abi_tour fails every Nth call and always with fail") {
  {
    Loaded p(example("abi_tour"), {{"fail_every", "3"}});
    CHECK(p.call().first == 0);
    CHECK(p.call().first == 0);
    auto [rc, r] = p.call();
    CHECK(rc == 2);
    CHECK(r.failure == "abi_tour: call 3 failed as configured");
    CHECK(p.call().first == 0);
  }
  Loaded always(example("abi_tour"), {{"fail", "1"}});
  CHECK(always.call().first == 2);
  Loaded bad(example("abi_tour"), {{"fail_every", "often"}});
  CHECK(bad.init_rc() != 0);
  CHECK(bad.plugin().init_error.find("fail_every") != std::string::npos);
}

TEST_CASE("abi_tour counts calls across threads") {
  Loaded p(example("abi_tour"), {{"fail_every", "100"}});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) failures += p.call().first != 0;
    });
  for (auto &t : threads) t.join();
  CHECK(failures == 10);
}

TEST_CASE("sleepy sleeps sleep_ms and stalls call stall_at") {
  using clock = std::chrono::steady_clock;
  Loaded p(example("sleepy"),
           {{"sleep_ms", "2"}, {"stall_ms", "60"}, {"stall_at", "3"}});
  REQUIRE(p.init_rc() == 0);
  std::vector<double> ms;
  for (int i = 0; i < 4; ++i) {
    auto t0 = clock::now();
    p.call();
    ms.push_back(
        std::chrono::duration<double, std::milli>(clock::now() - t0).count());
  }
  CHECK(ms[0] >= 2);
  CHECK(ms[0] < 40);
  CHECK(ms[2] >= 60);
  CHECK(ms[3] < 40);
  Loaded bad(example("sleepy"), {{"sleep_ms", "-1"}});
  CHECK(bad.init_rc() != 0);
}

TEST_CASE("journey reports three timed steps and two checks, as its user") {
  Loaded p(example("journey"), {{"work_us", "50"}, {"fail_rate", "0.25"}});
  REQUIRE(p.init_rc() == 0);
  int failed = 0;
  for (int i = 0; i < 8; ++i) {
    auto [rc, r] = p.call();
    CHECK(rc == 0);
    REQUIRE(r.steps.size() == 3);
    CHECK(r.steps[0].name == "login");
    CHECK(r.steps[1].name == "browse");
    CHECK(r.steps[2].name == "checkout");
    // Each step sleeps its work: at least that long, on the host's clock.
    CHECK(r.steps[0].ns >= 50'000);
    CHECK(r.steps[1].ns >= 100'000);
    CHECK(r.steps[2].ns >= 50'000);
    CHECK_FALSE(r.steps[0].failed);
    CHECK_FALSE(r.steps[1].failed);
    REQUIRE(r.checks.size() == 2);
    CHECK(r.checks[0] == std::make_pair(std::string("logged in"), true));
    CHECK(r.checks[1].first == "order confirmed");
    // A failed checkout fails its check and the iteration, together.
    CHECK(r.checks[1].second == !r.steps[2].failed);
    CHECK(r.error == r.steps[2].failed);
    // It logged in as the data file's user (the fake host's row).
    CHECK(r.output == (r.error ? "checkout failed" : "alice: order confirmed"));
    failed += r.steps[2].failed;
  }
  CHECK(failed == 2);  // exactly floor(8 x 0.25), spread evenly
  Loaded bad(example("journey"), {{"fail_rate", "2"}});
  CHECK(bad.init_rc() != 0);
  CHECK(bad.plugin().init_error.find("fail_rate") != std::string::npos);
}

TEST_CASE("journey on a 1.0 host runs without steps or checks") {
  Loaded p(example("journey"), {{"work_us", "0"}, {"fail_rate", "0.5"}},
           &kHost10);
  REQUIRE(p.init_rc() == 0);
  auto [rc, r] = p.call();
  CHECK(rc == 0);
  CHECK(r.steps.empty());
  CHECK(r.checks.empty());
  CHECK_FALSE(r.error);  // checkout 0 passes at 0.5; checkout 1 fails
  CHECK(r.output == "guest: order confirmed");  // no data on a 1.0 host
  CHECK(p.call().second.error);
}

TEST_CASE("http_get reports a refused connection as a failed test") {
  // Port 1 on loopback: nothing listens there.
  Loaded p(example("http_get"), {{"url", "http://127.0.0.1:1/"}});
  REQUIRE(p.init_rc() == 0);
  auto [rc, r] = p.call();
  CHECK(rc == 0);
  CHECK(r.error);
  CHECK(r.output.find("connect") != std::string::npos);
  CHECK(r.id == GOLO_DEFAULT_SEQUENCE_ID);
}

TEST_CASE("http_get tags status size and url and keeps the connection") {
  TinyHttp server(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n"
      "\r\nhello");
  Loaded p(example("http_get"), {{"url", server.url()}});
  for (int i = 0; i < 3; ++i) {
    auto [rc, r] = p.call();
    CHECK(rc == 0);
    CHECK_FALSE(r.error);
    CHECK(r.output == "HTTP 200");
    REQUIRE(r.tags.size() == 3);
    CHECK(r.tags[0] ==
          std::make_pair(std::string("status"), std::string("200")));
    CHECK(r.tags[1] == std::make_pair(std::string("size"), std::string("5")));
    CHECK(r.tags[2] == std::make_pair(std::string("url"), server.url()));
  }
  CHECK(server.connections() == 1);
}

TEST_CASE("http_get treats a 404 as data") {
  TinyHttp server("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
  Loaded p(example("http_get"), {{"url", server.url()}, {"timeout", "2000"}});
  auto [rc, r] = p.call();
  CHECK(rc == 0);
  CHECK(r.error);
  CHECK(r.output == "HTTP 404");
  CHECK(r.tags[0].second == "404");
}

TEST_CASE("http_get times out per the timeout setting") {
  // Accepts but never answers: the listen backlog holds the connection.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  listen(fd, 4);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  Loaded p(example("http_get"), {{"url", url}, {"timeout", "200"}});
  auto [rc, r] = p.call();
  close(fd);
  CHECK(rc == 0);
  CHECK(r.error);
  CHECK(r.output.find("imeout") != std::string::npos);
  Loaded bad(example("http_get"), {{"timeout", "soon"}});
  CHECK(bad.init_rc() != 0);
}

TEST_CASE(
    "http_get refuses a timeout out of range and a method that is no token") {
  for (const char *bad :
       {"0", "-5", "soon", "86400001", "99999999999999999999999"}) {
    Loaded p(example("http_get"), {{"timeout", bad}});
    CHECK(p.init_rc() != 0);
    CHECK(p.plugin().init_error ==
          "setting timeout = \"" + std::string(bad) +
              "\": want a number of ms from 1 to 86400000");
  }
  for (const char *good : {"GET", "PATCH", "M-SEARCH"}) {
    Loaded p(example("http_get"), {{"method", good}});
    CHECK_MESSAGE(p.init_rc() == 0, good << ": " << p.plugin().init_error);
  }
  for (const char *bad : {"GET /evil HTTP/1.1\r\nX:", "GE T", ""}) {
    Loaded p(example("http_get"), {{"method", bad}});
    CHECK(p.init_rc() != 0);
    CHECK(p.plugin().init_error.rfind("setting method = \"" + std::string(bad) +
                                          "\": not an HTTP method",
                                      0) == 0);
  }
}

TEST_CASE("http_get refuses a tls_verify other than true or false") {
  for (const char *good : {"true", "false"}) {
    Loaded p(example("http_get"), {{"tls_verify", good}});
    CHECK_MESSAGE(p.init_rc() == 0, good << ": " << p.plugin().init_error);
  }
  for (const char *bad : {"yes", "0", "TRUE", ""}) {
    Loaded p(example("http_get"), {{"tls_verify", bad}});
    CHECK(p.init_rc() != 0);
    CHECK(p.plugin().init_error == "setting tls_verify = \"" +
                                       std::string(bad) +
                                       "\": want true or false");
  }
}

TEST_CASE("http_get refuses a ca_file it cannot read") {
  Loaded missing(example("http_get"), {{"url", "https://127.0.0.1:1/"},
                                       {"ca_file", "/nonexistent/ca.pem"}});
  CHECK(missing.init_rc() != 0);
  CHECK(missing.plugin().init_error ==
        "setting ca_file = \"/nonexistent/ca.pem\": cannot read it: No such "
        "file or directory");
  // A directory opens but does not read.
  Loaded dir(example("http_get"), {{"ca_file", GOLO_TEST_PLUGIN_DIR}});
  CHECK(dir.init_rc() != 0);
  CHECK(dir.plugin().init_error == "setting ca_file = \"" GOLO_TEST_PLUGIN_DIR
                                   "\": cannot read it: Is a directory");
  // Any readable file loads; whether it holds CAs is curl's to say on use.
  Loaded readable(example("http_get"),
                  {{"url", "https://127.0.0.1:1/"},
                   {"ca_file", test_plugin("not_elf").c_str()}});
  CHECK_MESSAGE(readable.init_rc() == 0, readable.plugin().init_error);
  REQUIRE(readable.plugin().logs.size() == 1);
  CHECK(readable.plugin().logs[0].find(", CA file " + test_plugin("not_elf")) !=
        std::string::npos);
}

TEST_CASE("http_get frees the handles of threads that exited") {
  TinyHttp server("HTTP/1.1 204 No Content\r\n\r\n");
  Loaded p(example("http_get"), {{"url", server.url()}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] { CHECK(p.call().second.output == "HTTP 204"); });
  for (auto &t : threads) t.join();
  CHECK(p.call().second.output == "HTTP 204");
  // Shutdown frees the calling thread's handle; ASan reports any leak.
}

TEST_CASE(
    "http_get really unloads after use so a reload does not pile up copies") {
  // A C++ plugin can pin itself in memory (GNU-unique symbols from library
  // headers, thread_local destructors); cmake/plugin-exports.map and the
  // pthread key keep http_get unloadable.
  auto mapped = [] {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line))
      if (line.find("/http_get.so") != std::string::npos) return true;
    return false;
  };
  REQUIRE_FALSE(mapped());
  {
    TinyHttp server("HTTP/1.1 204 No Content\r\n\r\n");
    Loaded p(example("http_get"), {{"url", server.url()}});
    CHECK(p.call().second.output == "HTTP 204");
    CHECK(mapped());
  }
  CHECK_FALSE(mapped());
}

TEST_CASE("serial detects overlapping calls when the host does not serialise") {
  Loaded p(test_plugin("serial"), {});
  std::vector<std::thread> threads;
  std::atomic<int> overlaps{0};
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      auto r = p.call().second;
      overlaps += r.error && r.output == "concurrent entry";
    });
  for (auto &t : threads) t.join();
  CHECK(overlaps > 0);
  auto [rc, r] = p.call();
  CHECK(r.output == "ok");
  CHECK_FALSE(r.error);
}

TEST_CASE("version plugins answer their letter and log their shutdown") {
  std::string log = std::string(GOLO_TEST_PLUGIN_DIR) + "/shutdown-test.log";
  std::remove(log.c_str());
  setenv("GOLO_TEST_SHUTDOWN_LOG", log.c_str(), 1);
  {
    Loaded a(test_plugin("version_a"), {});
    Loaded b(test_plugin("version_b"), {{"sleep_ms", "1"}});
    CHECK(a.call().second.output == "a");
    CHECK(b.call().second.tags.at(0).second == "b");
    CHECK(b.call().first == 0);
    a.shutdown_now();
    b.shutdown_now();
  }
  unsetenv("GOLO_TEST_SHUTDOWN_LOG");
  std::ifstream in(log);
  std::string l1, l2;
  std::getline(in, l1);
  std::getline(in, l2);
  CHECK(l1 == "shutdown a 1");
  CHECK(l2 == "shutdown b 2");
  std::remove(log.c_str());
}

TEST_CASE("init_fails refuses with its reason") {
  Loaded p(test_plugin("init_fails"), {});
  CHECK(p.init_rc() == 1);
  CHECK(p.plugin().init_error == "database unreachable");
}

TEST_CASE("fails null_strings and huge_output hand over what they promise") {
  Loaded fails(test_plugin("fails"), {});
  auto [rc, r] = fails.call();
  CHECK(rc == 7);
  CHECK(r.failure == "target refused the login");

  Loaded nulls(test_plugin("null_strings"), {{"fail", "1"}});
  auto [nrc, n] = nulls.call();
  CHECK(nrc == 5);
  CHECK(n.output.empty());
  CHECK(n.tags.size() == 2);

  Loaded huge(test_plugin("huge_output"), {});
  auto [hrc, h] = huge.call();
  CHECK(hrc == 0);
  CHECK(h.output.size() == 5u * 1024 * 1024);
  CHECK(h.id.size() == 5000);
}
