// /metrics without a host: the bucket derivation from HDR counters at known
// values, the exposition text, the HTTP answers, the address policy, the
// per-job statistics, and the endpoint on real sockets.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/host_metrics.h"
#include "metrics/metrics_endpoint.h"
#include "options/metrics_address.h"

using namespace golo::host;
using golo::agent::Histogram;

namespace {

// The index of the bound named le, so tests read as the labels do.
std::size_t bound(std::string_view le) {
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i)
    if (kBucketBounds[i].le == le) return i;
  FAIL("no bound " << le);
  return 0;
}

// GET-style exchange over a real socket: sends text, returns all received.
std::string exchange(int port, const std::string &text) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  REQUIRE(send(fd, text.data(), text.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(text.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

}  // namespace

TEST_CASE("bucket counts come from the HDR counters at the documented bounds") {
  Histogram h;
  h.record(1'000);      // exactly 1 us: counters are 1 ns wide here
  h.record(1'001);      // just above: the next bucket
  h.record(999'000);    // counter [998912, 999423]: wholly <= 1 ms
  h.record(1'000'000);  // counter [999936, 1000447] straddles 1 ms: next up
  h.record(7'200'000'000'000);  // above the histogram's hour: only +Inf
  const Buckets b = bucket_counts(h);
  CHECK(b.cumulative[bound("0.000001")] == 1);
  CHECK(b.cumulative[bound("0.000002")] == 2);
  CHECK(b.cumulative[bound("0.0005")] == 2);
  CHECK(b.cumulative[bound("0.001")] == 3);
  CHECK(b.cumulative[bound("0.002")] == 4);
  CHECK(b.cumulative[bound("100")] == 4);
  CHECK(b.total == 5);
  // Every bound is an exact number of ns, rising.
  for (std::size_t i = 1; i < kBucketBounds.size(); ++i)
    CHECK(kBucketBounds[i].ns > kBucketBounds[i - 1].ns);
}

TEST_CASE("the exposition text: families, escaped labels, histograms") {
  Exposition e;
  e.family("golo_x_total", "counter", "Things.");
  e.sample("golo_x_total", {{"job", "a\"b\\c\nd"}}, std::uint64_t{7});
  e.family("golo_t_seconds", "gauge", "Time.");
  e.sample("golo_t_seconds", {}, 1.5);
  Histogram h;
  h.record(1'500);          // 1.5 us
  h.record(3'000'000'000);  // 3 s
  e.family("golo_d_seconds", "histogram", "Durations.");
  e.histogram("golo_d_seconds", {{"job", "j"}}, h);
  const std::string &t = e.text();
  CHECK(t.find("# HELP golo_x_total Things.\n# TYPE golo_x_total counter\n") ==
        0);
  CHECK(t.find("golo_x_total{job=\"a\\\"b\\\\c\\nd\"} 7\n") !=
        std::string::npos);
  CHECK(t.find("golo_t_seconds 1.5\n") != std::string::npos);
  CHECK(t.find("golo_d_seconds_bucket{job=\"j\",le=\"0.000001\"} 0\n") !=
        std::string::npos);
  CHECK(t.find("golo_d_seconds_bucket{job=\"j\",le=\"0.000002\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("golo_d_seconds_bucket{job=\"j\",le=\"2\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("golo_d_seconds_bucket{job=\"j\",le=\"5\"} 2\n") !=
        std::string::npos);
  CHECK(t.find("golo_d_seconds_bucket{job=\"j\",le=\"+Inf\"} 2\n") !=
        std::string::npos);
  CHECK(t.find("golo_d_seconds_sum{job=\"j\"} 3.0000015\n") !=
        std::string::npos);
  CHECK(t.find("golo_d_seconds_count{job=\"j\"} 2\n") != std::string::npos);
  CHECK(t.find('\r') == std::string::npos);
}

TEST_CASE("HTTP answers: metrics, HEAD, 404, 405, 400, 408, 431") {
  int built = 0;
  const auto body = [&] {
    ++built;
    return std::string("golo_up 1\n");
  };
  auto a = answer_http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", true, body);
  CHECK(a.status == 200);
  CHECK(a.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(a.body == "golo_up 1\n");
  CHECK(format_http(a) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
        "charset=utf-8\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
        "golo_up 1\n");
  a = answer_http("GET /metrics?x=1 HTTP/1.0\n\n", true, body);
  CHECK(a.status == 200);
  a = answer_http("HEAD /metrics HTTP/1.1\r\n\r\n", true, body);
  CHECK(a.status == 200);
  CHECK(format_http(a).find("Content-Length: 10\r\n") != std::string::npos);
  CHECK(format_http(a).ends_with("\r\n\r\n"));
  CHECK(built == 3);

  a = answer_http("GET / HTTP/1.1\r\n\r\n", true, body);
  CHECK(a.status == 404);
  CHECK(a.body.find("only /metrics") != std::string::npos);
  a = answer_http("POST /metrics HTTP/1.1\r\n\r\n", true, body);
  CHECK(a.status == 405);
  CHECK(a.extra_headers == "Allow: GET, HEAD\r\n");
  for (const char *bad :
       {"GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n",
        "GET /metrics SPDY/3\r\n\r\n", "\r\n\r\n",
        "GET /metrics HTTP/1.1 x\r\n\r\n"}) {
    CAPTURE(bad);
    CHECK(answer_http(bad, true, body).status == 400);
  }
  CHECK(answer_http("GET /metr", false, body).status == 408);
  CHECK(
      answer_http(std::string(kMaxHttpRequestBytes, 'a'), false, body).status ==
      431);
  CHECK(built == 3);  // no error built the metrics
  a = answer_http("GET /metrics HTTP/1.1\r\n\r\n", true,
                  []() -> std::string { throw std::runtime_error("boom"); });
  CHECK(a.status == 500);
  CHECK(a.body.find("boom") != std::string::npos);
}

TEST_CASE("the metrics address: the listen policy, as for no TLS or token") {
  HostOptions o;
  CHECK(check_metrics_policy(o).ok);  // not asked for
  for (const char *yes : {"127.0.0.1:0", "127.1.2.3:1", "localhost:9464",
                          "[::1]:9464", "[::ffff:127.0.0.1]:80"}) {
    CAPTURE(yes);
    o.metrics = yes;
    const auto v = check_metrics_policy(o);
    CHECK(v.ok);
    CHECK(v.warning.empty());
  }
  for (const char *no :
       {"0.0.0.0:9464", ":9464", "[::]:9464", "10.0.0.1:9464",
        "example.com:9464", "128.0.0.1:1", "[::ffff:10.0.0.1]:80"}) {
    CAPTURE(no);
    o.metrics = no;
    const auto v = check_metrics_policy(o);
    CHECK_FALSE(v.ok);
    CHECK(v.error.find("--metrics " + std::string(no) +
                       ": not a loopback address") == 0);
    CHECK(v.error.find("--insecure") != std::string::npos);
  }
  // TLS and tokens guard the gRPC port, not /metrics.
  o.metrics = "0.0.0.0:9464";
  o.tls_cert = "c.pem";
  o.tls_key = "k.pem";
  o.tokens_file = "tokens";
  CHECK_FALSE(check_metrics_policy(o).ok);
  o.insecure = true;
  const auto v = check_metrics_policy(o);
  CHECK(v.ok);
  CHECK(v.warning.find("/metrics on 0.0.0.0:9464") != std::string::npos);
  for (const char *bad : {"9464", "127.0.0.1", "[::1]", "::1:9464", "x:"}) {
    CAPTURE(bad);
    o.metrics = bad;
    CHECK(check_metrics_policy(o).error.find("want HOST:PORT") !=
          std::string::npos);
  }
}

TEST_CASE("trigger statistics: calls, errors, in flight, durations") {
  TriggerStats s;
  s.begin();
  s.begin();
  CHECK(s.in_flight() == 2);
  s.end(1'500, false);
  s.end(2'500'000, true);
  CHECK(s.calls() == 2);
  CHECK(s.errors() == 1);
  CHECK(s.in_flight() == 0);
  const Histogram d = s.durations();
  CHECK(d.count() == 2);
  CHECK(d.max() == 2'500'000);
}

TEST_CASE("run statistics stay monotonic from progress to results") {
  HostMetrics m;
  golo::agent::Histogram first;
  first.record(2'000'000);
  first.record(2'000'000);
  {
    RunRecord run(m, "sleepy");
    golo::agent::Progress p;
    p.iterations = 2;
    p.active_users = 4;
    p.interval = first.to_sparse();
    run.progress(p);
    auto t = m.run("sleepy").totals();
    CHECK(t.iterations == 2);
    CHECK(t.active_users == 4);
    CHECK(t.latency.count() == 2);
    golo::agent::RunResults r;
    r.total.add_iteration(2'000'000, false);
    r.total.add_iteration(2'000'000, false);
    r.total.add_iteration(3'000'000, true);
    run.finish(r);
  }
  auto t = m.run("sleepy").totals();
  CHECK(t.iterations == 3);
  CHECK(t.errors == 1);
  CHECK(t.active_users == 0);
  CHECK(t.latency.count() == 3);
  CHECK(t.latency.sum() == 7'000'000);  // exact, from the results
  {
    // A run that ends without results keeps what its progress said.
    RunRecord run(m, "sleepy");
    golo::agent::Progress p;
    p.iterations = 5;
    p.errors = 1;
    p.interval = first.to_sparse();
    run.progress(p);
  }
  t = m.run("sleepy").totals();
  CHECK(t.iterations == 8);
  CHECK(t.errors == 2);
  CHECK(t.latency.count() == 5);
  CHECK(m.run("other").totals().iterations == 0);
}

TEST_CASE("the endpoint answers on a real socket and shares its port") {
  MetricsEndpoint a([] { return std::string("golo_a 1\n"); });
  std::string error;
  REQUIRE_MESSAGE(a.start("127.0.0.1:0", error), error);
  REQUIRE(a.port() > 0);
  const std::string got =
      exchange(a.port(), "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(got.ends_with("\r\n\r\ngolo_a 1\n"));
  CHECK(exchange(a.port(), "DELETE /metrics HTTP/1.1\r\n\r\n")
            .starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  CHECK(
      exchange(a.port(), std::string(20000, 'x')).starts_with("HTTP/1.1 431 "));
  // A replacement worker binds the same address while the old one serves.
  const std::string same = "127.0.0.1:" + std::to_string(a.port());
  MetricsEndpoint b([] { return std::string("golo_b 1\n"); });
  REQUIRE_MESSAGE(b.start(same, error), error);
  CHECK(b.port() == a.port());
  MetricsEndpoint c([] { return std::string(); });
  CHECK_FALSE(c.start("127.0.0.1:x", error));
  CHECK(error.find("127.0.0.1:x") != std::string::npos);
}

TEST_CASE("per-job statistics are found again, per object") {
  auto a = std::make_unique<HostMetrics>();
  TriggerStats &x = a->trigger("x");
  CHECK(&a->trigger("x") == &x);  // the thread's remembered job
  CHECK(&a->trigger("y") != &x);
  CHECK(&a->trigger("x") == &x);  // found in the map again
  x.begin();
  x.end(1, false);
  a.reset();
  // A new object (perhaps at the same address) starts from nothing.
  HostMetrics b;
  CHECK(b.trigger("x").calls() == 0);
  std::vector<std::string> jobs;
  b.each_trigger([&](const std::string &job, const TriggerStats &) {
    jobs.push_back(job);
  });
  CHECK(jobs == std::vector<std::string>{"x"});
}

TEST_CASE("per-job entries are capped: long and late names share _other") {
  HostMetrics m;
  RunStats &first = m.run("job0");
  for (int i = 1; i < 400; ++i) m.run("job" + std::to_string(i));
  CHECK(&m.run("job0") == &first);  // known names keep their own
  RunStats &other = m.run("job399");
  CHECK(&m.run(std::string(129, 'n')) == &other);
  CHECK(&m.trigger(std::string(129, 't')) != nullptr);
  std::size_t runs = 0;
  bool has_other = false;
  m.each_run([&](const std::string &job, const RunStats &) {
    ++runs;
    has_other = has_other || job == "_other";
  });
  CHECK(runs == 256);
  CHECK(has_other);
}
