// Outputs (issue 12): `golo run --out` with CSV and JSON from two real
// hosts, the per tag set series adding up to the whole-run figures, bad
// --out values refused before any load, and a real InfluxDB (Debian's
// influxd, started here on free loopback ports) receiving every second's
// points live, and missing, counted, when it dies mid-run.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;

namespace {

std::string cli() { return golo_cli_binary().string() + " "; }

fs::path write_schedule(const TempDir &dir, const std::string &yaml) {
  const auto p = dir.path() / "tagged.yaml";
  write_text(p, yaml);
  return p;
}

// 3 tag sets (tagged.so), status and path grouping them.
std::string tagged_schedule(const std::string &duration) {
  return "version: job:latest\njob:\n  name: tagged\n  users: 4\n  "
         "duration: " +
         duration + "\n  pacing: 0\n  tags: [status, path]\n";
}

std::uint64_t u64(const json &j, const char *k) {
  return j.at(k).get<std::uint64_t>();
}

// RFC 4180 rows: quoted cells may hold commas; lines end with CRLF.
std::vector<std::vector<std::string>> parse_csv(const std::string &text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (c == '\r') {
    } else if (c == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
    } else {
      cell += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// influxd with its own config, data and loopback ports; killed by the
// destructor.
class Influx {
 public:
  Influx() : dir_("golo-influx") {
    http_port_ = free_port();
    const int rpc_port = free_port();
    const auto d = dir_.path().string();
    write_text(dir_.path() / "influxdb.conf",
               "reporting-disabled = true\n"
               "bind-address = \"127.0.0.1:" +
                   std::to_string(rpc_port) +
                   "\"\n"
                   "[meta]\n  dir = \"" +
                   d +
                   "/meta\"\n"
                   "[data]\n  dir = \"" +
                   d + "/data\"\n  wal-dir = \"" + d +
                   "/wal\"\n"
                   "  query-log-enabled = false\n"
                   "[http]\n  bind-address = \"127.0.0.1:" +
                   std::to_string(http_port_) +
                   "\"\n  log-enabled = false\n"
                   "[monitor]\n  store-enabled = false\n"
                   "[continuous_queries]\n  enabled = false\n");
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = d + "/influxd.log";
      FILE *f = freopen(log.c_str(), "w", stderr);
      (void)f;
      execl("/usr/bin/influxd", "influxd", "-config",
            (d + "/influxdb.conf").c_str(), static_cast<char *>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::string out;
      if (run_command(
              "curl -s -o /dev/null -w '%{http_code}' " + url() + "/ping", &out,
              false) == 0 &&
          out == "204")
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("influxd did not start: " << read_text(dir_.path() / "influxd.log"));
  }
  ~Influx() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(http_port_);
  }
  json query(std::string q, const std::string &db = "") const {
    // Inside the shell's single quotes, a quote is '\''.
    for (std::size_t at = 0; (at = q.find('\'', at)) != std::string::npos;
         at += 4)
      q.replace(at, 1, "'\\''");
    std::string out;
    REQUIRE(run_command("curl -s -G " + url() + "/query" +
                            (db.empty() ? "" : " --data-urlencode db=" + db) +
                            " --data-urlencode 'q=" + q + "'",
                        &out, false) == 0);
    return json::parse(out);
  }
  void create(const std::string &db) const {
    std::string out;
    REQUIRE(run_command("curl -s -XPOST " + url() +
                            "/query --data-urlencode 'q=CREATE DATABASE " + db +
                            "'",
                        &out, false) == 0);
  }

 private:
  TempDir dir_;
  int http_port_ = 0;
  pid_t pid_ = -1;
};

// The JSON's whole-run iterations by tag_set name as outputs write it.
std::map<std::string, std::uint64_t> json_iterations(const json &r) {
  std::map<std::string, std::uint64_t> out{
      {"total", u64(r.at("total"), "iterations")}};
  for (const auto &s : r.at("tag_sets"))
    out[s.at("key").get<std::string>()] = u64(s, "iterations");
  return out;
}

}  // namespace

TEST_CASE("golo run --out csv and json: per tag set rows every second") {
  TempDir plugins, work;
  install_plugin(test_plugin("tagged"), plugins.path(), "tagged");
  HostProcess a(plugins.path()), b(plugins.path());
  const auto schedule = write_schedule(work, tagged_schedule("3s"));
  const auto results_file = work.path() / "r.json";
  const auto csv_file = work.path() / "r.csv";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --quiet --host " + a.address() + " --host " +
                      b.address() + " --out json=" + results_file.string() +
                      " --out csv=" + csv_file.string() + " " +
                      schedule.string(),
                  &out) == 0,
      out);
  const json r = json::parse(read_text(results_file));
  CHECK(r.at("format") == "golo-results/1");
  const auto start = r.at("start_unix_ms").get<std::int64_t>();
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  CHECK(start > now_ms - 60'000);
  CHECK(start < now_ms);
  REQUIRE(r.at("tag_sets").size() == 3);
  const auto &series = r.at("series");
  REQUIRE(series.size() >= 3);
  for (const auto &row : series) {
    CHECK(row.at("unix_ms").get<std::int64_t>() ==
          start + 1000 * row.at("second").get<std::int64_t>());
    CHECK(row.contains("p90_us"));
    CHECK(row.at("p50_us").get<double>() <= row.at("p90_us").get<double>());
    CHECK(row.at("p90_us").get<double>() <= row.at("p95_us").get<double>());
  }
  // The per tag set series: the same sets, each adding up to its whole-run
  // figures; every second's sets add up to the total's row.
  const auto iterations = json_iterations(r);
  const auto &per_set = r.at("tag_set_series");
  REQUIRE(per_set.size() == 3);
  std::vector<std::uint64_t> by_second(series.size(), 0);
  for (const auto &set : per_set) {
    std::uint64_t sum = 0, errors = 0;
    REQUIRE(set.at("series").size() == series.size());
    for (std::size_t i = 0; i < series.size(); ++i) {
      const auto &row = set.at("series")[i];
      CHECK(row.at("unix_ms") == series[i].at("unix_ms"));
      sum += u64(row, "iterations");
      errors += u64(row, "errors");
      by_second[i] += u64(row, "iterations");
    }
    const std::string key = set.at("key");
    CHECK_MESSAGE(sum == iterations.at(key), key);
    CHECK(errors == (set.at("tags").at("status") == "500" ? sum : 0));
  }
  for (std::size_t i = 0; i < series.size(); ++i)
    CHECK(by_second[i] == u64(series[i], "iterations"));

  // CSV: a header, then seconds x (tag sets + 1) rows whose sums match.
  const auto rows = parse_csv(read_text(csv_file));
  REQUIRE(!rows.empty());
  const std::vector<std::string> header = {
      "time",   "unix_ms",    "second", "job",     "tag_set", "status",
      "path",   "iterations", "errors", "dropped", "missed",  "active_users",
      "p50_us", "p90_us",     "p95_us", "p99_us",  "max_us",  "statuses"};
  CHECK(rows[0] == header);
  CHECK(rows.size() - 1 == series.size() * (3 + 1));
  std::map<std::string, std::uint64_t> csv_sums;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == header.size());
    csv_sums[rows[i][4]] += std::stoull(rows[i][7]);
    CHECK(rows[i][3] == "tagged");
    CHECK(rows[i][0].size() == 24);  // 2026-11-30T12:49:40.123Z
  }
  CHECK(csv_sums == iterations);
  // The path with a comma and a space came through quoted and whole.
  bool seen = false;
  for (const auto &row : rows) seen = seen || row[6] == "/no where,x=1";
  CHECK(seen);
}

TEST_CASE("golo run --out refuses bad values before any load, exit 2") {
  TempDir work;
  const auto schedule = write_schedule(work, tagged_schedule("1s"));
  // No host listens on port 1: a value refused must be refused first.
  const std::string run = cli() + "run --quiet --host 127.0.0.1:1 ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--out xml=a.xml",
       "--out \"xml=a.xml\" (the 1st --out): unknown output type \"xml\""},
      {"--out r.json --out json=",
       "--out \"json=\" (the 2nd --out): no target after \"json=\""},
      {"--out html=/nonexistent-dir/r.html",
       "--out html=/nonexistent-dir/r.html: cannot write "
       "/nonexistent-dir/r.html"},
      {"--out influxdb=ftp://h/db", "is not an http:// or https:// URL"},
      {"--out influxdb=http://127.0.0.1:8086",
       "names no database (or more than a name)"},
      {"--out csv=/nonexistent-dir/r.csv",
       "--out csv=/nonexistent-dir/r.csv: cannot create the file"},
      {"--out ''", "--out \"\" (the 1st --out): empty"},
  };
  for (const auto &[flags, message] : cases) {
    std::string out;
    CHECK_MESSAGE(run_command(run + flags + " " + schedule.string(), &out) == 2,
                  flags);
    CHECK_MESSAGE(out.find(message) != std::string::npos, flags << ": " << out);
    CHECK_MESSAGE(out.find("cannot reach") == std::string::npos, out);
  }
}

// One influxd for the test program: the points are checked first, then it
// is killed during a second run.
TEST_CASE("golo run --out influxdb: every second's points, live") {
  Influx influx;
  influx.create("golo");
  TempDir plugins, work;
  install_plugin(test_plugin("tagged"), plugins.path(), "tagged");
  HostProcess host(plugins.path());

  {  // the points add up to the JSON per tag set
    const auto schedule = write_schedule(work, tagged_schedule("3s"));
    const auto results_file = work.path() / "r.json";
    std::string out;
    REQUIRE_MESSAGE(run_command(cli() + "run --quiet --host " + host.address() +
                                    " --out " + results_file.string() +
                                    " --out influxdb=" + influx.url() +
                                    "/golo " + schedule.string(),
                                &out) == 0,
                    out);
    CHECK_MESSAGE(out.find("not delivered") == std::string::npos, out);
    const json r = json::parse(read_text(results_file));
    const json q = influx.query(
        "SELECT sum(\"iterations\"), count(\"iterations\") FROM \"golo\" "
        "GROUP BY \"tag_set\"",
        "golo");
    REQUIRE_MESSAGE(q.at("results")[0].contains("series"), q.dump() << "\n"
                                                                    << out);
    const auto &found = q.at("results")[0].at("series");
    const auto iterations = json_iterations(r);
    REQUIRE(found.size() == iterations.size());
    for (const auto &s : found) {
      const std::string set = s.at("tags").at("tag_set");
      CHECK_MESSAGE(
          s.at("values")[0][1].get<std::uint64_t>() == iterations.at(set), set);
      // One point per second per set.
      CHECK(s.at("values")[0][2].get<std::size_t>() == r.at("series").size());
    }
    // The set's own tags, escaped on the way in, came out whole.
    const json paths = influx.query(
        "SHOW TAG VALUES FROM \"golo\" WITH KEY = \"path\"", "golo");
    CHECK(paths.dump().find("/no where,x=1") != std::string::npos);
    // Timestamps: the seconds' ends.
    const json last = influx.query(
        "SELECT last(\"iterations\") FROM \"golo\" WHERE \"tag_set\" = 'total'",
        "golo");
    const std::string when =
        last.at("results")[0].at("series")[0].at("values")[0][0];
    CHECK(when.find('T') != std::string::npos);
  }

  {  // scenarios: each scenario's sets carry the tag scenario, as it is
    influx.create("mix");
    const auto schedule = write_schedule(
        work,
        "scenarios:\n"
        "  a: {job: tagged, users: 2, pacing: 100ms, duration: 1s,\n"
        "      tags: [status]}\n"
        "  b: {job: tagged, arrival_rate: 30, max_users: 4, duration: 1s}\n");
    std::string out;
    REQUIRE_MESSAGE(run_command(cli() + "run --quiet --host " + host.address() +
                                    " --out influxdb=" + influx.url() +
                                    "/mix " + schedule.string(),
                                &out) == 0,
                    out);
    const json q = influx.query(
        "SELECT sum(\"iterations\") FROM \"golo\" WHERE \"tag_set\" != "
        "'total' GROUP BY \"scenario\"",
        "mix");
    REQUIRE_MESSAGE(q.at("results")[0].contains("series"), q.dump());
    std::map<std::string, std::uint64_t> by_scenario;
    for (const auto &s : q.at("results")[0].at("series"))
      by_scenario[s.at("tags").at("scenario")] =
          s.at("values")[0][1].get<std::uint64_t>();
    // a: 2 users x 10 slots; b: 30 arrivals.
    CHECK(by_scenario ==
          std::map<std::string, std::uint64_t>{{"a", 20}, {"b", 30}});
    const json prefixed = influx.query("SHOW TAG KEYS FROM \"golo\"", "mix");
    CHECK(prefixed.dump().find("tag_scenario") == std::string::npos);
  }

  {  // steps and checks: golo_step and golo_check points add up to the JSON
    influx.create("steps");
    install_plugin(example_plugin("journey"), plugins.path(), "journey");
    host.reload();
    const auto schedule = write_schedule(
        work, "job: {name: journey, users: 2, pacing: 10ms, duration: 2s}\n");
    const auto results_file = work.path() / "steps.json";
    std::string out;
    REQUIRE_MESSAGE(run_command(cli() + "run --quiet --host " + host.address() +
                                    " --out " + results_file.string() +
                                    " --out influxdb=" + influx.url() +
                                    "/steps " + schedule.string(),
                                &out) == 0,
                    out);
    const json r = json::parse(read_text(results_file));
    const json steps = influx.query(
        "SELECT sum(\"count\"), sum(\"errors\") FROM \"golo_step\" WHERE "
        "\"tag_set\" = 'total' GROUP BY \"step\"",
        "steps");
    REQUIRE_MESSAGE(steps.at("results")[0].contains("series"), steps.dump());
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> got, want;
    for (const auto &s : steps.at("results")[0].at("series"))
      got[s.at("tags").at("step")] = {
          s.at("values")[0][1].get<std::uint64_t>(),
          s.at("values")[0][2].get<std::uint64_t>()};
    for (const auto &s : r.at("total").at("steps"))
      want[s.at("name")] = {u64(s, "count"), u64(s, "errors")};
    CHECK(want.size() == 3);
    CHECK(got == want);
    const json checks = influx.query(
        "SELECT sum(\"passes\"), sum(\"fails\") FROM \"golo_check\" WHERE "
        "\"tag_set\" = 'total' AND \"check\" = 'order confirmed'",
        "steps");
    REQUIRE_MESSAGE(checks.at("results")[0].contains("series"), checks.dump());
    const auto &row = checks.at("results")[0].at("series")[0].at("values")[0];
    for (const auto &c : r.at("total").at("checks"))
      if (c.at("name") == "order confirmed") {
        CHECK(row[1].get<std::uint64_t>() == u64(c, "passes"));
        CHECK(row[2].get<std::uint64_t>() == u64(c, "fails"));
        CHECK(u64(c, "fails") > 0);
      }
  }

  {  // HTTP statuses (issue 21): golo_status points and the CSV's column
     // add up to the JSON's counts per code. influxd answers its own /ping
     // with 204 and a path it lacks with 404: even iterations get one, odd
     // ones the other.
    influx.create("statuses");
    install_plugin(test_plugin("http_probe"), plugins.path(), "probe");
    write_text(plugins.path() / "probe.conf",
               "url = " + influx.url() + "/ping\nurl_odd = " + influx.url() +
                   "/nowhere\nname = probe\n");
    host.reload();
    const auto schedule = write_schedule(
        work, "job: {name: probe, users: 2, pacing: 20ms, duration: 2s}\n");
    const auto results_file = work.path() / "statuses.json";
    const auto csv_file = work.path() / "statuses.csv";
    std::string out;
    REQUIRE_MESSAGE(run_command(cli() + "run --quiet --host " + host.address() +
                                    " --out " + results_file.string() +
                                    " --out csv=" + csv_file.string() +
                                    " --out influxdb=" + influx.url() +
                                    "/statuses " + schedule.string(),
                                &out) == 0,
                    out);
    const json r = json::parse(read_text(results_file));
    std::map<int, std::uint64_t> want, got, csv;
    for (const auto &s : r.at("total").at("steps"))
      if (s.at("name") == "probe")
        for (const auto &[code, n] : s.at("statuses").items())
          want[std::stoi(code)] = n.get<std::uint64_t>();
    CHECK(want.size() == 2);
    CHECK(want[204] > 0);
    CHECK(want[404] > 0);
    const json q = influx.query(
        "SELECT sum(\"count\") FROM \"golo_status\" WHERE \"tag_set\" = "
        "'total' AND \"step\" = 'probe' GROUP BY \"status\"",
        "statuses");
    REQUIRE_MESSAGE(q.at("results")[0].contains("series"), q.dump());
    for (const auto &s : q.at("results")[0].at("series"))
      got[std::stoi(s.at("tags").at("status").get<std::string>())] =
          s.at("values")[0][1].get<std::uint64_t>();
    CHECK(got == want);
    // The CSV's total rows: "204:N 404:M" in the last column, added up.
    const auto rows = parse_csv(read_text(csv_file));
    REQUIRE(!rows.empty());
    CHECK(rows[0].back() == "statuses");
    for (std::size_t i = 1; i < rows.size(); ++i) {
      if (rows[i][4] != "total") continue;
      std::istringstream cell(rows[i].back());
      std::string pair;
      while (cell >> pair) {
        const auto colon = pair.find(':');
        REQUIRE_MESSAGE(colon != std::string::npos, rows[i].back());
        csv[std::stoi(pair.substr(0, colon))] +=
            std::stoull(pair.substr(colon + 1));
      }
    }
    CHECK(csv == want);
  }

  {  // influxd killed mid-run: the load goes on, points counted lost
    const auto schedule = write_schedule(work, tagged_schedule("4s"));
    const auto results_file = work.path() / "r.json";
    std::string out;
    int rc = -1;
    const auto t0 = std::chrono::steady_clock::now();
    std::thread run([&] {
      rc = run_command(cli() + "run --quiet --host " + host.address() +
                           " --out " + results_file.string() +
                           " --out influxdb=" + influx.url() + "/golo " +
                           schedule.string(),
                       &out);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    influx.kill();
    run.join();
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK_MESSAGE(rc == 0, out);
    const auto lost = out.find("points not delivered");
    CHECK_MESSAGE(lost != std::string::npos, out);
    if (lost != std::string::npos)
      MESSAGE(out.substr(out.rfind('\n', lost) + 1,
                         out.find('\n', lost) - out.rfind('\n', lost) - 1));
    const json r = json::parse(read_text(results_file));
    CHECK(r.at("stopped_early") == false);
    CHECK(r.at("duration_s").get<double>() ==
          doctest::Approx(4.0).epsilon(0.05));
    // The run's rate held: about 4 users x 1 ms iterations, whatever InfluxDB
    // did (a stalled writer would show as a gap in the series).
    for (const auto &row : r.at("series")) {
      if (row.at("seconds") != 1 || row.at("second").get<int>() > 4) continue;
      CHECK_MESSAGE(u64(row, "iterations") > 400, row.dump());
    }
    // Waiting for InfluxDB at the end is bounded (5 s of flush at most).
    CHECK(took < 4 + 10);
  }
}
