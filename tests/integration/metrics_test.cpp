// golo-host --metrics end to end (issue 12, item 4): the address policy,
// the endpoint as curl and promtool see it, and a real Prometheus scraping
// a host every second while `golo run` drives a schedule and Job.Trigger
// calls arrive: the run's iterations rise during the run, and
// histogram_quantile over the run's buckets agrees with the summary's p99
// to within the bucket. Then the worker is killed and its replacement
// serves /metrics on the same address.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "host_process.h"
#include "prometheus_process.h"

using namespace golo::test;
using Clock = std::chrono::steady_clock;

namespace {

// The bucket bounds of docs/metrics.md, in seconds.
const double kBounds[] = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4,
                          1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1,  0.2,  0.5,
                          1,    2,    5,    10,   20,   50,   100};

// curl's status code, headers and body for a request to url.
struct Fetched {
  std::string code, headers, body;
};
Fetched fetch(const std::string &url, const std::string &curl_args = "") {
  TempDir d("golo-fetch");
  Fetched f;
  run_command("curl -sS -o " + (d.path() / "body").string() + " -D " +
                  (d.path() / "headers").string() + " -w '%{http_code}' " +
                  curl_args + " " + url,
              &f.code, false);
  f.headers = read_text(d.path() / "headers");
  f.body = read_text(d.path() / "body");
  return f;
}

void install_sleepy(const fs::path &dir, int sleep_ms) {
  install_plugin(example_plugin("sleepy"), dir, "sleepy");
  write_text(dir / "sleepy.conf",
             "sleep_ms = " + std::to_string(sleep_ms) + "\n");
}

}  // namespace

TEST_CASE("--metrics off loopback is refused without --insecure") {
  TempDir plugins("golo-metrics-plugins");
  std::string out;
  const std::string host = golo_host_binary().string() +
                           " --listen 127.0.0.1:0 --plugins " +
                           plugins.path().string();
  CHECK(run_command(host + " --metrics 0.0.0.0:9464", &out) == 2);
  CHECK(out.find("--metrics 0.0.0.0:9464: not a loopback address") !=
        std::string::npos);
  CHECK(out.find("--insecure") != std::string::npos);
  out.clear();
  CHECK(run_command(host + " --metrics 9464", &out) == 2);
  CHECK(out.find("--metrics 9464: want HOST:PORT") != std::string::npos);

  // A port already taken (here: the serving port of a running host).
  HostProcess other(plugins.path());
  out.clear();
  CHECK(run_command(host + " --metrics " + other.address(), &out) == 1);
  CHECK(out.find("--metrics: cannot listen on " + other.address()) !=
        std::string::npos);
}

TEST_CASE("a real Prometheus scrapes runs and triggers from --metrics") {
  REQUIRE_MESSAGE(prometheus_installed(),
                  "prometheus is not installed: run scripts/install-deps.sh");
  TempDir plugins("golo-metrics-plugins");
  install_sleepy(plugins.path(), 2);
  // A job called from several threads at once: calls beyond the callback
  // threads' share run on the CallPool, and are counted there too.
  install_plugin(example_plugin("sleepy"), plugins.path(), "slow");
  write_text(plugins.path() / "slow.conf", "sleep_ms = 20\n");
  install_plugin(example_plugin("noop"), plugins.path(), "noop");
  const std::string metrics = "127.0.0.1:" + std::to_string(free_port());
  const std::string url = "http://" + metrics + "/metrics";
  // Prometheus first: its first scrape comes ~6 s after it starts.
  PrometheusProcess prom(metrics);
  HostProcess host(plugins.path(), {"--metrics", metrics});

  golo::Response r;
  for (int i = 0; i < 5; ++i) REQUIRE(host.trigger("noop", r).ok());
  {
    std::atomic<int> ok{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t)
      callers.emplace_back([&] {
        golo::Response mine;
        for (int i = 0; i < 5; ++i) ok += host.trigger("slow", mine).ok();
      });
    for (auto &c : callers) c.join();
    REQUIRE(ok == 20);
  }
  CHECK(host.trigger("nosuchjob", r).error_code() == grpc::NOT_FOUND);

  {
    const Fetched f = fetch(url);
    CHECK(f.code == "200");
    CHECK(f.headers.find("Content-Type: text/plain; version=0.0.4") !=
          std::string::npos);
    CHECK(f.body.find("golo_trigger_calls_total{job=\"noop\"} 5\n") !=
          std::string::npos);
    CHECK(
        f.body.find("golo_trigger_duration_seconds_count{job=\"noop\"} 5\n") !=
        std::string::npos);
    CHECK(f.body.find("golo_trigger_calls_total{job=\"nosuchjob\"}") ==
          std::string::npos);  // unknown jobs make no series
    CHECK(f.body.find("golo_trigger_calls_total{job=\"sleepy\"} 0\n") !=
          std::string::npos);
    CHECK(f.body.find("golo_trigger_calls_total{job=\"slow\"} 20\n") !=
          std::string::npos);
    CHECK(
        f.body.find("golo_trigger_duration_seconds_count{job=\"slow\"} 20\n") !=
        std::string::npos);
    CHECK(f.body.find("golo_trigger_in_flight{job=\"slow\"} 0\n") !=
          std::string::npos);
    CHECK(f.body.find("golo_reloads_total{outcome=\"added\"} 3\n") !=
          std::string::npos);
    CHECK(f.body.find("golo_plugin_info{job=\"sleepy\",version=\"1.0.0\"") !=
          std::string::npos);
    // promtool is stricter than the scraper (TOOLCHAIN.md).
    TempDir d("golo-promtool");
    write_text(d.path() / "body", f.body);
    std::string lint;
    CHECK_MESSAGE(
        run_command("promtool check metrics < " + (d.path() / "body").string(),
                    &lint) == 0,
        lint);
    CHECK(fetch("http://" + metrics + "/").code == "404");
    const Fetched post = fetch(url, "-X POST -d x=1");
    CHECK(post.code == "405");
    CHECK(post.headers.find("Allow: GET, HEAD") != std::string::npos);
  }

  // The run, in the background; meanwhile Prometheus is asked what it saw.
  TempDir work("golo-metrics-run");
  write_text(work.path() / "sleepy.yaml",
             "version: job:latest\n"
             "job:\n  name: sleepy\n  users: 4\n  duration: 9s\n"
             "  pacing: 0s\n");
  const auto results_path = work.path() / "results.json";
  std::string run_out;
  int run_rc = -1;
  std::atomic<bool> run_done{false};
  std::thread run([&] {
    run_rc =
        run_command(golo_cli_binary().string() + " run --quiet --host " +
                        host.address() + " --out " + results_path.string() +
                        " " + (work.path() / "sleepy.yaml").string(),
                    &run_out);
    run_done = true;
  });
  const std::string iterations = "golo_run_iterations_total{job=\"sleepy\"}";
  std::set<double> during;  // values Prometheus had while the run went on
  while (!run_done) {
    if (auto v = prom.value(iterations)) during.insert(*v);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  run.join();
  REQUIRE_MESSAGE(run_rc == 0, run_out);
  const auto results = nlohmann::json::parse(read_text(results_path));
  const auto total = results.at("total").at("iterations").get<double>();
  const double p99_s =
      results.at("total").at("latency_us").at("p99").get<double>() / 1e6;
  REQUIRE(total > 100);

  // The scrape after the run's end has the run's exact total.
  std::optional<double> last;
  for (const auto until = Clock::now() + std::chrono::seconds(5);
       Clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    last = prom.value(iterations);
    if (last && *last == total) break;
  }
  CHECK(last == total);
  // Rising during the run: at least two different values strictly between
  // nothing and the total were scraped while it ran.
  std::set<double> mid;
  for (double v : during)
    if (v > 0 && v < total) mid.insert(v);
  CHECK_MESSAGE(
      mid.size() >= 2, "values seen during the run: " << [&] {
        std::string s;
        for (double v : during) s += std::to_string(v) + " ";
        return s;
      }());

  // histogram_quantile interpolates inside the bucket that holds the 99th
  // percentile; the HDR p99 of the summary lies in that same bucket.
  const auto q = prom.value(
      "histogram_quantile(0.99, "
      "golo_run_iteration_duration_seconds_bucket{job=\"sleepy\"})");
  REQUIRE(q);
  double lo = 0, hi = kBounds[0];
  for (double b : kBounds) {
    hi = b;
    if (*q <= b) break;
    lo = b;
  }
  INFO("histogram_quantile " << *q << " in (" << lo << ", " << hi
                             << "], summary p99 " << p99_s);
  // The HDR value may sit up to one HDR counter (1/1024) past a bound.
  CHECK(p99_s > lo);
  CHECK(p99_s <= hi * (1 + 1.0 / 1024));
  CHECK(std::abs(*q - p99_s) <= (hi - lo) * (1 + 1.0 / 1024));
  CHECK(
      prom.value("golo_run_iteration_duration_seconds_count{job=\"sleepy\"}") ==
      total);
  CHECK(prom.value("golo_run_errors_total{job=\"sleepy\"}") == 0);
  CHECK(prom.value("golo_run_active_users{job=\"sleepy\"}") == 0);

  CHECK(prom.value("golo_trigger_calls_total{job=\"noop\"}") == 5);
  CHECK(prom.value("golo_trigger_errors_total{job=\"noop\"}") == 0);
  CHECK(prom.value("golo_trigger_in_flight{job=\"noop\"}") == 0);
  CHECK(prom.value("golo_plugin_info{job=\"noop\",generation=\"1\"}") == 1);
  CHECK(prom.value("golo_reloads_total{outcome=\"failed\"}") == 0);

  // A killed worker is replaced, and the new one serves /metrics on the
  // same address, its counters starting again from zero.
  const pid_t first = host.worker_pid();
  REQUIRE(first > 0);
  kill(first, SIGKILL);
  Fetched again;
  for (const auto until = Clock::now() + std::chrono::seconds(10);
       Clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    if (host.worker_pid() == first) continue;
    again = fetch(url);
    if (again.code == "200") break;
  }
  CHECK(host.worker_pid() != first);
  CHECK(again.code == "200");
  CHECK(again.body.find("golo_trigger_calls_total{job=\"noop\"} 0\n") !=
        std::string::npos);
  // The metrics thread stops with the worker (under ASan: without a leak).
  CHECK_MESSAGE(host.stop() == 0, host.log());
}
