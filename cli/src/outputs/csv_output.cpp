#include "csv_output.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace golo::cli::outputs {

namespace {

std::string us(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e3);
  return buf;
}

const char *const kFields[] = {"iterations",   "errors", "dropped", "missed",
                               "active_users", "p50_us", "p90_us",  "p95_us",
                               "p99_us",       "max_us", "statuses"};

// The second's HTTP status codes over the point's steps, as the summary
// prints them: "200:51 404:2" ("" when none).
std::string statuses(const Point &p) {
  std::vector<std::pair<int, std::uint64_t>> all;
  for (const auto &st : p.steps)
    for (const auto &[code, n] : st.statuses) agent::add_status(all, code, n);
  std::string out;
  for (const auto &[code, n] : all)
    out += (out.empty() ? "" : " ") + std::to_string(code) + ':' +
           std::to_string(n);
  return out;
}

}  // namespace

std::string csv_cell(const std::string &s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string iso_utc(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int, so the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::unique_ptr<CsvOutput> CsvOutput::open(const std::string &path,
                                           std::string &error) {
  std::FILE *f = std::fopen(path.c_str(), "w");
  if (!f) {
    error = "--out csv=" + path +
            ": cannot create the file: " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<CsvOutput>(new CsvOutput(path, f));
}

CsvOutput::~CsvOutput() {
  if (f_) std::fclose(f_);
}

void CsvOutput::line(const std::vector<std::string> &cells) {
  std::string text;
  for (std::size_t i = 0; i < cells.size(); ++i)
    text += (i ? "," : "") + csv_cell(cells[i]);
  text += "\r\n";  // RFC 4180's line break, which spreadsheets expect
  if (std::fwrite(text.data(), 1, text.size(), f_) != text.size())
    failed_ = true;
}

void CsvOutput::start(const RunInfo &run) {
  run_ = run;
  std::vector<std::string> head = {"time", "unix_ms", "second", "job",
                                   "tag_set"};
  for (const auto &k : run_.tag_keys) {
    // A tag named like a fixed column gets a prefix, so columns stay unique.
    const bool clash = std::find(head.begin(), head.end(), k) != head.end() ||
                       std::find(std::begin(kFields), std::end(kFields), k) !=
                           std::end(kFields);
    head.push_back(clash ? "tag_" + k : k);
  }
  for (const char *f : kFields) head.emplace_back(f);
  line(head);
  std::fflush(f_);
}

void CsvOutput::second(const Second &s) {
  for (const auto &p : s.points) {
    std::vector<std::string> row = {
        iso_utc(s.unix_ms), std::to_string(s.unix_ms), std::to_string(s.second),
        run_.job, p.tag_set};
    for (const auto &k : run_.tag_keys) {
      std::string value;
      for (const auto &[tk, tv] : p.tags)
        if (tk == k) value = tv;
      row.push_back(value);
    }
    row.push_back(std::to_string(p.iterations));
    row.push_back(std::to_string(p.errors));
    // Dropped iterations and users belong to the run, not to a tag set.
    row.push_back(p.total ? std::to_string(p.dropped) : "");
    // Missed slots belong to the set whose iterations overran them.
    row.push_back(std::to_string(p.missed));
    row.push_back(p.total ? std::to_string(p.active_users) : "");
    for (auto ns : {p.latency.p50, p.latency.p90, p.latency.p95, p.latency.p99,
                    p.latency.max})
      row.push_back(us(ns));
    row.push_back(statuses(p));
    line(row);
  }
  std::fflush(f_);
}

std::string CsvOutput::finish(const Finished &) {
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (failed_ || !closed) {
    failed_ = true;
    return "cannot write " + path_;
  }
  return "";
}

}  // namespace golo::cli::outputs
