// Data files (job.data) end to end: golo run reads the CSV once and ships
// it; real hosts hand the rows out by mode through ABI 1.1's data(), which
// tests/plugins/data_rows records per host. unique across two hosts (every
// row once, then the run ends), per_user numbering across hosts,
// sequential and random; every bad file or schedule refused by golo run
// with exit 2 before any load, and by the host itself when sent directly.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;

namespace {

std::string cli() { return golo_cli_binary().string() + " "; }

// ids.csv: "id,name" and rows 0..n-1.
fs::path write_ids(const TempDir &work, std::size_t n,
                   const std::string &name = "ids.csv") {
  std::string csv = "id,name\r\n";
  for (std::size_t i = 0; i < n; ++i)
    csv += std::to_string(i) + ",\"user " + std::to_string(i) + "\"\r\n";
  write_text(work.path() / name, csv);
  return work.path() / name;
}

fs::path write_schedule(const TempDir &work, const std::string &job_keys,
                        const std::string &data) {
  const auto path = work.path() / "data.yaml";
  write_text(path,
             "job:\n  name: data_rows\n" + job_keys + "  data: " + data + "\n");
  return path;
}

// The lines data_rows appended: (id, user) in order.
std::vector<std::pair<long, unsigned>> rows_in(const fs::path &log) {
  std::vector<std::pair<long, unsigned>> rows;
  if (!fs::exists(log)) return rows;
  std::istringstream in(read_text(log));
  std::string id;
  unsigned user = 0;
  while (in >> id >> user)
    rows.emplace_back(id == "-" ? -1 : std::stol(id), user);
  return rows;
}

std::size_t count_of(const std::string &text, const std::string &what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

struct Fleet {
  TempDir dir, work;
  fs::path logs[2];
  std::unique_ptr<HostProcess> hosts[2];
  explicit Fleet(int n) {
    install_plugin(test_plugin("data_rows"), dir.path(), "data_rows");
    install_plugin(test_plugin("abi_1_0"), dir.path(), "abi_1_0");
    for (int i = 0; i < n; ++i) {
      logs[i] = work.path() / ("host" + std::to_string(i) + ".log");
      hosts[i] = std::make_unique<HostProcess>(
          dir.path(), std::vector<std::string>{},
          std::vector<std::string>{"GOLO_DATA_LOG=" + logs[i].string()});
    }
  }
  std::string host_flags() const {
    std::string f;
    for (const auto &h : hosts)
      if (h) f += " --host " + h->address();
    return f;
  }
  void clear_logs() {
    // Emptied, not removed: the plugin keeps its file open.
    for (const auto &l : logs)
      if (fs::exists(l)) fs::resize_file(l, 0);
  }
};

}  // namespace

TEST_CASE("data unique: two hosts use every row once, then the run ends") {
  Fleet fleet(2);
  write_ids(fleet.work, 301);
  const auto schedule =
      write_schedule(fleet.work, "  users: 4\n  pacing: 2ms\n  duration: 60s\n",
                     "{file: ids.csv, mode: unique, columns: [id]}");
  const auto out_file = fleet.work.path() / "out.json";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --quiet" + fleet.host_flags() + " --out " +
                      out_file.string() + " " + schedule.string(),
                  &out) == 0,
      out);
  // Never silent: the summary says the rows ran out and when.
  CHECK(out.find("data ids.csv (unique): all 301 rows used after ") !=
        std::string::npos);
  CHECK(out.find("; the run ended there") != std::string::npos);
  CHECK(out.find("stopped early") == std::string::npos);

  // Every row exactly once over both hosts; host i took r mod 2 == i.
  std::map<long, int> used;
  for (int h = 0; h < 2; ++h)
    for (const auto &[id, user] : rows_in(fleet.logs[h])) {
      CHECK(id % 2 == h);
      ++used[id];
    }
  CHECK(used.size() == 301);
  for (const auto &[id, n] : used) {
    CAPTURE(id);
    CHECK(n == 1);
  }
  CHECK(used.begin()->first == 0);
  CHECK(used.rbegin()->first == 300);

  const json results = json::parse(read_text(out_file));
  CHECK(results.at("total").at("iterations") == 301);
  CHECK(results.at("stopped_early") == false);
  CHECK(results.at("duration_s").get<double>() < 30);
  REQUIRE(results.at("data").size() == 1);
  const json &data = results.at("data")[0];
  CHECK(data.at("file") == "ids.csv");
  CHECK(data.at("mode") == "unique");
  CHECK(data.at("rows") == 301);
  CHECK(data.at("rows_used") == 301);
  CHECK(data.at("hosts_out") == 2);
  for (const auto &h : results.at("hosts")) {
    CHECK(h.at("ok") == true);
    CHECK(h.at("stopped_early") == false);
  }
  // data("no_such_column") is NULL every iteration, logged once per run.
  const std::string log = fleet.hosts[0]->log();
  CHECK(count_of(log, "data(\"no_such_column\"): ") == 1);
  CHECK(log.find("has no such column (its columns: id, name)") !=
        std::string::npos);
}

TEST_CASE("data per_user: user u of the whole run gets row u on every host") {
  Fleet fleet(2);
  write_ids(fleet.work, 6);
  auto schedule = write_schedule(
      fleet.work, "  users: 5\n  pacing: 20ms\n  duration: 400ms\n",
      "{file: ids.csv, mode: per_user}");
  std::string out;
  REQUIRE_MESSAGE(run_command(cli() + "run --quiet" + fleet.host_flags() + " " +
                                  schedule.string(),
                              &out) == 0,
                  out);
  CHECK(out.find("data ids.csv (per_user): 6 rows") != std::string::npos);
  // Shares of 3 and 2 users: host 1 numbers its users from 3.
  std::set<long> seen;
  for (int h = 0; h < 2; ++h) {
    const auto rows = rows_in(fleet.logs[h]);
    CHECK(rows.size() >= 5);
    for (const auto &[id, user] : rows) {
      CHECK(id == (h == 0 ? 0 : 3) + static_cast<long>(user));
      seen.insert(id);
    }
  }
  CHECK(seen == std::set<long>{0, 1, 2, 3, 4});

  // Fewer rows than users: refused before any load.
  fleet.clear_logs();
  schedule =
      write_schedule(fleet.work, "  users: 7\n  pacing: 20ms\n  duration: 1s\n",
                     "{file: ids.csv, mode: per_user}");
  CHECK(run_command(cli() + "run --quiet" + fleet.host_flags() + " " +
                        schedule.string(),
                    &out) == 2);
  CHECK(out.find("data.yaml:6:9: job.data: mode per_user gives each user a "
                 "row of its own: the run has 7 users, ") != std::string::npos);
  CHECK(out.find("ids.csv has 6 rows") != std::string::npos);
  CHECK(rows_in(fleet.logs[0]).empty());
  CHECK(rows_in(fleet.logs[1]).empty());
}

TEST_CASE("data sequential and random on a host, ABI 1.0 and Trigger") {
  Fleet fleet(1);
  const auto ids = write_ids(fleet.work, 4);
  std::string out;
  // One user: the rows in file order, wrapping.
  auto schedule = write_schedule(
      fleet.work, "  users: 1\n  pacing: 5ms\n  duration: 300ms\n",
      "{file: ids.csv, mode: sequential, columns: [id, name]}");
  REQUIRE_MESSAGE(run_command(cli() + "run --quiet" + fleet.host_flags() + " " +
                                  schedule.string(),
                              &out) == 0,
                  out);
  auto rows = rows_in(fleet.logs[0]);
  REQUIRE(rows.size() >= 8);
  for (std::size_t i = 0; i < rows.size(); ++i)
    CHECK(rows[i].first == static_cast<long>(i % 4));

  fleet.clear_logs();
  schedule = write_schedule(fleet.work,
                            "  users: 2\n  pacing: 1ms\n  duration: 300ms\n",
                            "{file: ids.csv, mode: random}");
  REQUIRE_MESSAGE(run_command(cli() + "run --quiet" + fleet.host_flags() + " " +
                                  schedule.string(),
                              &out) == 0,
                  out);
  std::set<long> drawn;
  for (const auto &[id, user] : rows_in(fleet.logs[0])) drawn.insert(id);
  CHECK(drawn == std::set<long>{0, 1, 2, 3});

  // A plugin built for ABI 1.0 (no data member) runs a schedule with data.
  write_text(fleet.work.path() / "old.yaml",
             "job:\n  name: abi_1_0\n  users: 1\n  pacing: 10ms\n"
             "  duration: 200ms\n  data: {file: ids.csv, mode: unique}\n");
  REQUIRE_MESSAGE(run_command(cli() + "run --quiet" + fleet.host_flags() + " " +
                                  (fleet.work.path() / "old.yaml").string(),
                              &out) == 0,
                  out);
  CHECK(out.find("data ids.csv (unique): ") != std::string::npos);

  // A single Job.Trigger call has no data: data() is NULL.
  golo::Response resp;
  REQUIRE(fleet.hosts[0]->trigger("data_rows", resp).ok());
  CHECK(resp.output() == "-");
  CHECK(!resp.error());
  (void)ids;
}

TEST_CASE("data errors: golo run exits 2 naming the file and line, no load") {
  Fleet fleet(1);
  const auto csv = fleet.work.path() / "ids.csv";
  const std::string flags = "run --quiet" + fleet.host_flags() + " ";
  auto refused = [&](const std::string &job_data, const std::string &want,
                     const std::string &extra = "") {
    CAPTURE(job_data);
    const auto schedule = write_schedule(
        fleet.work, "  users: 2\n  pacing: 10ms\n  duration: 1s\n", job_data);
    std::string out;
    CHECK(run_command(cli() + flags + extra + schedule.string(), &out) == 2);
    CHECK_MESSAGE(out.find(want) != std::string::npos, out);
  };
  write_text(csv, "id,name\n0,a\n1,b\n2\n");
  refused("{file: ids.csv}", csv.string() +
                                 ":4: 1 field, but the header has 2 columns "
                                 "(id, name)");
  write_text(csv, "id,id\n0,a\n");
  refused("{file: ids.csv}",
          csv.string() + ":1: column \"id\" is in the header twice");
  write_text(csv, "id,name\n0,\"a\n");
  refused("{file: ids.csv}",
          csv.string() + ":2: the quote opening field 2 is never closed");
  write_ids(fleet.work, 3);
  refused("{file: ids.csv, columns: [id, password]}",
          "data.yaml:6:39: job.data.columns: " + csv.string() +
              " has no column \"password\" (its columns: id, name)");
  refused("{file: ids.csv, mode: shuffled}",
          "data.yaml:6:31: job.data.mode must be sequential, random, unique "
          "or per_user, not \"shuffled\"");
  refused("{file: nowhere.csv}",
          "data.yaml:6:9: job.data.file: cannot read " +
              (fleet.work.path() / "nowhere.csv").string() +
              ": No such file or directory");
  refused("{file: ids.csv}",
          "data.yaml:6:9: job.data cannot be used with --remote-target",
          "--remote-target 127.0.0.1:1 ");
  CHECK(job_calls(*fleet.hosts[0], "data_rows") == 0);  // no load so far
  // At the cap it travels (in pieces: Runner.RunStream); one byte over, it is
  // refused by its size, before parsing.
  std::string big = "id\n";
  while (big.size() < 16 * 1024 * 1024) big += "1234567\n";
  big.resize(16 * 1024 * 1024);
  big.back() = '\n';
  write_text(csv, big);
  {
    const auto schedule = write_schedule(
        fleet.work, "  users: 1\n  pacing: 10ms\n  duration: 100ms\n",
        "{file: ids.csv, mode: random}");
    std::string out;
    CHECK_MESSAGE(run_command(cli() + flags + schedule.string(), &out) == 0,
                  out);
    // 2,097,151 rows of 8 bytes and a last one cut short.
    CHECK(out.find("data ids.csv (random): 2097152 rows") != std::string::npos);
    CHECK(!rows_in(fleet.logs[0]).empty());
    fleet.clear_logs();
  }
  const auto calls = job_calls(*fleet.hosts[0], "data_rows");
  big += "1";
  write_text(csv, big);
  refused("{file: ids.csv}",
          csv.string() +
              ": the data file is 16777217 bytes; the limit is 16 MiB "
              "(16777216 bytes)");
  CHECK(job_calls(*fleet.hosts[0], "data_rows") == calls);
  CHECK(rows_in(fleet.logs[0]).empty());
}

TEST_CASE("data errors: the host checks what a caller sends, never trusts") {
  Fleet fleet(1);
  auto run = [&](const std::string &yaml, const std::string &csv,
                 const std::string &remote = "") {
    golo::RunRequest req;
    req.set_scheduleyaml(yaml);
    req.set_schedulefile("run.yaml");
    req.set_remotetarget(remote);
    if (!csv.empty()) {
      req.set_datacsv(csv);
      req.set_datafile("users.csv");
    }
    return run_to_end(*fleet.hosts[0], req);
  };
  const std::string yaml =
      "job:\n  name: data_rows\n  users: 2\n  duration: 1s\n"
      "  data: {file: users.csv, mode: per_user, columns: [id]}\n";
  auto s = run(yaml, "id\n1\n2\n3\n\"4\n");
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message() ==
        "users.csv:5: the quote opening field 1 is "
        "never closed");
  s = run(yaml, "");
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("run.yaml: the schedule names data file "
                               "users.csv but the request carries none") == 0);
  s = run(yaml, "id\n1\n");
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message() ==
        "run.yaml:5:9: job.data: mode per_user gives each user a row of its "
        "own: the run has 2 users, users.csv has 1 row");
  s = run(yaml, "name\na\nb\n");
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("run.yaml:5:53: job.data.columns: users.csv "
                               "has no column \"id\"") == 0);
  s = run("job: {name: data_rows, users: 1, duration: 1s}\n", "id\n1\n");
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  s = run(yaml, "id\n1\n2\n", "127.0.0.1:1");
  CHECK(s.error_code() != grpc::StatusCode::OK);
  CHECK(job_calls(*fleet.hosts[0], "data_rows") == 0);
}

TEST_CASE("data in scenarios: each scenario's calls carry its own file") {
  Fleet fleet(1);
  write_ids(fleet.work, 40, "a.csv");
  write_text(fleet.work.path() / "b.csv", "id\n100\n101\n");
  const auto schedule = fleet.work.path() / "two.yaml";
  write_text(schedule,
             "scenarios:\n"
             "  first:\n    job: data_rows\n    users: 2\n    pacing: 5ms\n"
             "    duration: 10s\n    data: {file: a.csv, mode: unique}\n"
             "  second:\n    job: data_rows\n    users: 1\n    pacing: 20ms\n"
             "    duration: 300ms\n    data: {file: b.csv, columns: [id]}\n");
  const auto out_file = fleet.work.path() / "out.json";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --quiet" + fleet.host_flags() + " --out " +
                      out_file.string() + " " + schedule.string(),
                  &out) == 0,
      out);
  CHECK(out.find("data a.csv (unique, scenario first): all 40 rows used "
                 "after ") != std::string::npos);
  CHECK(out.find("data b.csv (sequential, scenario second): 2 rows") !=
        std::string::npos);
  std::map<long, int> used;
  for (const auto &[id, user] : rows_in(fleet.logs[0])) ++used[id];
  for (long id = 0; id < 40; ++id) CHECK(used[id] == 1);
  CHECK(used[100] + used[101] >= 10);
  CHECK(used.size() == 42);
  const json results = json::parse(read_text(out_file));
  REQUIRE(results.at("data").size() == 2);

  // A scenario's bad data names the scenario and its place.
  write_text(schedule,
             "scenarios:\n"
             "  first:\n    job: data_rows\n    users: 2\n    duration: 1s\n"
             "    data: {file: b.csv, columns: [user]}\n");
  CHECK(run_command(cli() + "run --quiet" + fleet.host_flags() + " " +
                        schedule.string(),
                    &out) == 2);
  CHECK(out.find("two.yaml:6:35: scenarios.first.data.columns: ") !=
        std::string::npos);
}
