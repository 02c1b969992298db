// Data files: the CSV parser on RFC 4180's cases and every refusal, the
// schedule's data: mapping, each mode's row assignment on known inputs, and
// the executor ending a run when unique rows run out.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "golo/agent/data_feed.h"
#include "golo/agent/data_table.h"
#include "golo/agent/executor.h"

#include "executor_choice.h"
#include "golo/agent/schedule.h"
#include "schedule_error.h"

using namespace golo::agent;
using namespace std::chrono_literals;
using golo::agent::test::schedule_error;

namespace {

std::string csv_error(std::string_view csv) {
  try {
    DataTable::parse(csv, "u.csv");
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "(accepted)";
}

std::vector<std::vector<std::string>> cells(const DataTable &t) {
  std::vector<std::vector<std::string>> out;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    out.emplace_back();
    for (std::size_t c = 0; c < t.columns().size(); ++c)
      out.back().push_back(t.cell(r, c));
  }
  return out;
}

std::shared_ptr<const DataTable> numbered(std::size_t rows) {
  std::string csv = "id\n";
  for (std::size_t r = 0; r < rows; ++r) csv += std::to_string(r) + "\n";
  return std::make_shared<const DataTable>(DataTable::parse(csv, "n.csv"));
}

}  // namespace

TEST_CASE("data file: quotes, doubled quotes, CRLF and line breaks") {
  const auto t = DataTable::parse(
      "\xEF\xBB\xBFuser,password,note\r\n"
      "alice,\"s3,cr\"\"et\",plain\r\n"
      "\r\n"
      "bob,\"two\nlines\",\"\"\n"
      "carol,x,",
      "u.csv");
  CHECK(t.columns() == std::vector<std::string>{"user", "password", "note"});
  CHECK(t.rows() == 3);
  CHECK(cells(t) ==
        std::vector<std::vector<std::string>>{{"alice", "s3,cr\"et", "plain"},
                                              {"bob", "two\nlines", ""},
                                              {"carol", "x", ""}});
  CHECK(t.column("password") == 1);
  CHECK(t.column("nope") == DataTable::npos);
  CHECK(t.columns_text() == "user, password, note");
}

TEST_CASE("data file: every refusal names the file and the line") {
  CHECK(csv_error("") ==
        "u.csv: the file is empty; it needs a header row naming the columns");
  CHECK(csv_error("\n\n") ==
        "u.csv: the file is empty; it needs a header row naming the columns");
  CHECK(csv_error("user,pw\n") == "u.csv: no rows after the header (user, pw)");
  CHECK(csv_error("user,,pw\na,b,c\n") ==
        "u.csv:1: column 2 of the header is empty; every column needs a name");
  CHECK(csv_error("user,pw,user\na,b,c\n") ==
        "u.csv:1: column \"user\" is in the header twice (columns 1 and 3)");
  CHECK(csv_error("user,pw\na,b\n\"multi\nline\",x\nc\n") ==
        "u.csv:5: 1 field, but the header has 2 columns (user, pw)");
  CHECK(csv_error("user,pw\na,b,c\n") ==
        "u.csv:2: 3 fields, but the header has 2 columns (user, pw)");
  CHECK(csv_error("user,pw\na,b\"c\n") ==
        "u.csv:2: a quote inside unquoted field 2; put the field in quotes "
        "and double the quote (\"\")");
  CHECK(csv_error("user,pw\n\"a\"b,c\n") ==
        "u.csv:2: text after the closing quote of field 1; a quoted field "
        "ends at its closing quote");
  CHECK(csv_error("user,pw\na,b\nc,\"d\ne\n") ==
        "u.csv:3: the quote opening field 2 is never closed");
  CHECK(csv_error("user,pw\na,b\rc,d\n") ==
        "u.csv:2: a carriage return (CR) not followed by a line feed; lines "
        "end with LF or CRLF");
  CHECK(csv_error(std::string("user,pw\na,b\0c\n", 14)) ==
        "u.csv:2: a NUL byte; a data file holds text");
}

TEST_CASE("data file: at most 1024 columns and duplicates found at any width") {
  std::string header;
  for (int i = 0; i < 1024; ++i) header += (i ? ",c" : "c") + std::to_string(i);
  std::string row(1023, ',');
  CHECK(
      DataTable::parse(header + "\n" + row + "\n", "u.csv").columns().size() ==
      1024);
  CHECK(csv_error(header + ",c1\n" + row + ",\n") ==
        "u.csv:1: the header has 1025 columns; the limit is 1024");
  header.replace(header.rfind(",c1023"), 6, ",c7");
  CHECK(csv_error(header + "\n" + row + "\n") ==
        "u.csv:1: column \"c7\" is in the header twice (columns 8 and 1024)");
}

TEST_CASE("data share: users before a share in closed form equal the loop") {
  // The loop over every share that the closed form replaced, as the truth.
  auto by_loop = [](const Schedule &s, std::uint64_t index,
                    std::uint64_t count) {
    DataShare d{index, count, 0, 0};
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t users = s.share(i, count).peak_users();
      if (i < index) d.first_user += users;
      d.all_users += users;
    }
    return d;
  };
  for (const char *yaml :
       {"job: {name: j, users: 7, duration: 1s}\n",
        "job: {name: j, stages: [{duration: 1s, users: 3}, {duration: 1s, "
        "users: 11}], duration: 1s}\n",
        "job: {name: j, arrival_rate: 9, max_users: 2, duration: 1s}\n",
        "job: {name: j, rate_stages: [{duration: 1s, rate: 5}, {duration: 1s, "
        "rate: 1}], max_users: 13, duration: 1s}\n",
        "scenarios:\n  a: {job: j, users: 5, duration: 1s}\n  b: {job: k, "
        "arrival_rate: 30, max_users: 3, duration: 1s}\n"}) {
    Schedule s;
    try {
      s = Schedule::parse(yaml, "s.yaml");
    } catch (const std::invalid_argument &) {
      // stages and duration together are refused; drop the duration.
      std::string y = yaml;
      y.erase(y.rfind(", duration: 1s"), 14);
      s = Schedule::parse(y, "s.yaml");
    }
    for (std::uint64_t count = 2; count <= 40; ++count)
      for (std::uint64_t index = 0; index < count; ++index) {
        const auto want = by_loop(s, index, count);
        const auto got = data_share(s, index, count);
        INFO(yaml << " share " << index << " of " << count);
        CHECK(got.first_user == want.first_user);
        CHECK(got.all_users == want.all_users);
      }
  }
  // A caller's shareCount of 4294967295 costs no loop.
  const auto s =
      Schedule::parse("job: {name: j, users: 7, duration: 1s}\n", "s.yaml");
  const auto d = data_share(s, 4294967294, 4294967295);
  CHECK(d.first_user == 7);
  CHECK(d.all_users == 7);
}

TEST_CASE("data file: the size cap is checked before parsing") {
  std::string csv = "id\n";
  while (csv.size() < kMaxDataBytes) csv += "12345678\n";
  csv.resize(kMaxDataBytes);
  csv.back() = '\n';
  CHECK(DataTable::parse(csv, "big.csv").rows() > 1000000);  // 16 MiB is fine
  csv += "x";
  CHECK(csv_error(csv) ==
        "u.csv: the data file is 16777217 bytes; the limit is 16 MiB "
        "(16777216 bytes)");
}

TEST_CASE("schedule: job.data and its errors") {
  const auto s = Schedule::parse(
      "job:\n  name: x\n  users: 2\n  duration: 1s\n"
      "  data: {file: users.csv, mode: unique, columns: [user, pw]}\n",
      "s.yaml");
  REQUIRE(s.data);
  CHECK(s.data->file == "users.csv");
  CHECK(s.data->mode == DataMode::unique);
  CHECK(s.data->columns == std::vector<std::string>{"user", "pw"});
  CHECK(s.data->column_marks[1].line == 5);
  CHECK(s.data->column_marks[1].column == 57);
  CHECK(s.to_json()["job"]["data"]["mode"] == "unique");
  const auto plain = Schedule::parse(
      "job: {name: x, users: 1, duration: 1s, data: {file: a.csv}}\n", "s");
  CHECK(plain.data->mode == DataMode::sequential);
  CHECK(!Schedule::parse("job: {name: x, users: 1, duration: 1s}\n", "s")
             .data.has_value());

  const std::string head = "job:\n  name: x\n  users: 2\n  duration: 1s\n";
  CHECK(schedule_error(head + "  data: users.csv\n") ==
        "s.yaml:5:9: job.data must be a mapping like {file: users.csv, mode: "
        "unique}");
  CHECK(schedule_error(head + "  data: {mode: random}\n") ==
        "s.yaml:5:9: job.data needs a file (CSV with a header row, relative "
        "to the schedule's directory)");
  CHECK(schedule_error(head + "  data: {file: a.csv, mode: shuffled}\n") ==
        "s.yaml:5:29: job.data.mode must be sequential, random, unique or "
        "per_user, not \"shuffled\"");
  CHECK(schedule_error(head + "  data: {file: a.csv, rows: 3}\n") ==
        "s.yaml:5:23: unknown key \"rows\" in job.data (allowed: file, mode, "
        "columns)");
  CHECK(schedule_error(head + "  data: {file: a.csv, columns: [a, a]}\n") ==
        "s.yaml:5:36: column \"a\" is listed twice");
  CHECK(schedule_error(head + "  data: {file: a.csv, columns: []}\n") ==
        "s.yaml:5:32: job.data.columns must be a non-empty list of the "
        "file's column names");
}

TEST_CASE("schedule: check_data finds missing columns and too few rows") {
  const auto s = Schedule::parse(
      "job:\n  name: x\n  users: 3\n  duration: 1s\n"
      "  data: {file: u.csv, mode: per_user, columns: [user, pw]}\n",
      "s.yaml");
  const auto ok = DataTable::parse("user,pw\na,1\nb,2\nc,3\n", "u.csv");
  CHECK_NOTHROW(check_data(s, ok));
  CHECK_NOTHROW(check_data(s, ok, 2));
  const auto lacks = DataTable::parse("user,pass\na,1\nb,2\nc,3\n", "u.csv");
  CHECK_THROWS_WITH(check_data(s, lacks),
                    "s.yaml:5:55: job.data.columns: u.csv has no column "
                    "\"pw\" (its columns: user, pass)");
  const auto few = DataTable::parse("user,pw\na,1\nb,2\n", "u.csv");
  CHECK_THROWS_WITH(check_data(s, few),
                    "s.yaml:5:9: job.data: mode per_user gives each user a "
                    "row of its own: the run has 3 users, u.csv has 2 rows");
}

TEST_CASE("data feed: sequential wraps, each host from its own offset") {
  DataFeed one(numbered(5), DataMode::sequential, {0, 1, 0, 1}, 2);
  std::vector<std::size_t> rows;
  for (int i = 0; i < 7; ++i) {
    REQUIRE(one.pick(static_cast<std::uint32_t>(i % 2)));
    rows.push_back(one.row(static_cast<std::uint32_t>(i % 2)));
  }
  CHECK(rows == std::vector<std::size_t>{0, 1, 2, 3, 4, 0, 1});
  DataFeed second(numbered(5), DataMode::sequential, {1, 2, 0, 1}, 1);
  REQUIRE(second.pick(0));
  CHECK(second.row(0) == 2);  // 5 * 1 / 2
}

TEST_CASE("data feed: unique hands host i of n the rows r mod n == i") {
  std::set<std::size_t> seen;
  for (std::uint64_t host = 0; host < 3; ++host) {
    DataFeed feed(numbered(10), DataMode::unique, {host, 3, 0, 1}, 1);
    CHECK(feed.share_rows() == (host == 0 ? 4 : 3));
    while (feed.pick(0)) {
      CHECK(feed.row(0) % 3 == host);
      CHECK(seen.insert(feed.row(0)).second);
    }
    CHECK(feed.rows_used() == feed.share_rows());
    CHECK(!feed.pick(0));  // stays out
  }
  CHECK(seen.size() == 10);
}

TEST_CASE("data feed: per_user numbers users from the share's offset") {
  const auto s = Schedule::parse(
      "job: {name: x, users: 5, duration: 1s, data: {file: u.csv, mode: "
      "per_user}}\n",
      "s");
  const auto share = data_share(s, 1, 2);  // shares of 3 and 2 users
  CHECK(share.first_user == 3);
  CHECK(share.all_users == 5);
  DataFeed feed(numbered(5), DataMode::per_user, share, 2);
  for (std::uint32_t u = 0; u < 2; ++u)
    for (int i = 0; i < 3; ++i) {
      REQUIRE(feed.pick(u));
      CHECK(feed.row(u) == 3 + u);
    }
}

TEST_CASE("data feed: random is uniform and differs between users") {
  DataFeed feed(numbered(4), DataMode::random, {0, 1, 0, 1}, 2);
  std::map<std::size_t, int> counts;
  std::vector<std::size_t> a, b;
  for (int i = 0; i < 40000; ++i) {
    REQUIRE(feed.pick(0));
    ++counts[feed.row(0)];
    if (i < 20) a.push_back(feed.row(0));
    REQUIRE(feed.pick(1));
    if (i < 20) b.push_back(feed.row(1));
  }
  REQUIRE(counts.size() == 4);
  for (const auto &[row, n] : counts)
    CHECK(n == doctest::Approx(10000).epsilon(0.05));
  CHECK(a != b);
}

namespace {

struct RowRecorder : IterationRunner {
  std::shared_ptr<DataFeed> feed;
  std::mutex m;
  std::vector<std::size_t> rows;
  void run(std::uint32_t user, std::uint64_t, IterationOutcome &) override {
    std::lock_guard lock(m);
    rows.push_back(feed->row(user));
  }
};

}  // namespace

TEST_CASE("executor: unique rows running out end the run, naturally") {
  for (const char *model :
       {"users: 4, pacing: 1ms", "arrival_rate: 2000, max_users: 4"}) {
    CAPTURE(model);
    const auto s = Schedule::parse(
        std::string("job: {name: x, ") + model +
            ", duration: 20s, data: {file: n.csv, mode: unique}}\n",
        "s");
    auto feed = std::make_shared<DataFeed>(numbered(50), DataMode::unique,
                                           data_share(s, 0, 1), 4);
    auto runner = std::make_shared<RowRecorder>();
    runner->feed = feed;
    RunOptions opt;
    opt.data = feed;
    const auto r = run_on_executor(s, runner, opt);
    CHECK(!r.stopped_early);
    CHECK(r.total.iterations == 50);
    CHECK(r.duration_s < 5);
    REQUIRE(r.data.size() == 1);
    const DataUse &d = r.data[0];
    CHECK(d.file == "n.csv");
    CHECK(d.mode == "unique");
    CHECK(d.rows == 50);
    CHECK(d.rows_used == 50);
    CHECK(d.hosts_out == 1);
    CHECK(d.ran_out_s == doctest::Approx(r.duration_s).epsilon(0.01));
    auto rows = runner->rows;
    std::sort(rows.begin(), rows.end());
    CHECK(std::adjacent_find(rows.begin(), rows.end()) == rows.end());
    CHECK(rows.size() == 50);
    // Through JSON, and merged with another host's use of the same file.
    auto back = RunResults::from_json(r.to_json());
    REQUIRE(back.data.size() == 1);
    CHECK(back.data[0].rows_used == 50);
    CHECK(back.data[0].ran_out_s == d.ran_out_s);
    back.merge(back);
    REQUIRE(back.data.size() == 1);
    CHECK(back.data[0].rows_used == 100);
    CHECK(back.data[0].hosts_out == 2);
  }
}
