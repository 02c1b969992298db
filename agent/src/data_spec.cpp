#include "golo/agent/data_spec.h"

#include <algorithm>
#include <stdexcept>

#include "golo/agent/data_table.h"
#include "golo/agent/schedule.h"

namespace golo::agent {

namespace {

[[noreturn]] void fail(const Schedule &s, DataSpec::Mark m,
                       const std::string &what) {
  throw std::invalid_argument(s.file + ":" + std::to_string(m.line) + ":" +
                              std::to_string(m.column) + ": " + what);
}

}  // namespace

std::string_view data_mode_name(DataMode mode) {
  switch (mode) {
    case DataMode::sequential:
      return "sequential";
    case DataMode::random:
      return "random";
    case DataMode::unique:
      return "unique";
    case DataMode::per_user:
      return "per_user";
  }
  return "?";
}

std::string data_key(const Schedule &s) {
  return s.scenario.empty() ? "job.data" : "scenarios." + s.scenario + ".data";
}

namespace {

// The users of shares 0 .. k-1 of `count`, in closed form: a caller's
// shareCount may be in the billions, so no loop over the shares. Share i of
// v is v / count + (i < v % count ? 1 : 0), which grows with v, so a share's
// peak is the share of the peak (Schedule::share); an open share with no
// users of its own but some arrivals gets one.
std::uint64_t users_before(const Schedule &s, std::uint64_t k,
                           std::uint64_t count) {
  if (!s.scenarios.empty()) {
    std::uint64_t sum = 0;
    for (const auto &one : s.scenarios) sum += users_before(one, k, count);
    return sum;
  }
  const auto first_k = [&](std::uint64_t v) {
    return k * (v / count) + std::min(k, v % count);
  };
  if (s.model == Model::closed) return first_k(s.peak_users());
  const std::uint64_t m = s.max_users, r = s.peak_rate();
  // Shares i with m <= i < r have no users of their own but arrivals.
  const std::uint64_t lent =
      std::min(k, r) > std::min(k, m) ? std::min(k, r) - std::min(k, m) : 0;
  return first_k(m) + lent;
}

}  // namespace

DataShare data_share(const Schedule &whole, std::uint64_t index,
                     std::uint64_t count) {
  DataShare d{index, count, 0, 0};
  if (count <= 1) {
    d.all_users = whole.peak_users();
    return d;
  }
  d.first_user = users_before(whole, index, count);
  d.all_users = users_before(whole, count, count);
  return d;
}

void check_data(const Schedule &whole, const DataTable &table,
                std::uint64_t share_count) {
  const DataSpec &spec = whole.data.value();
  for (std::size_t i = 0; i < spec.columns.size(); ++i)
    if (table.column(spec.columns[i]) == DataTable::npos)
      fail(whole, spec.column_marks[i],
           data_key(whole) + ".columns: " + table.file() + " has no column \"" +
               spec.columns[i] + "\" (its columns: " + table.columns_text() +
               ")");
  if (spec.mode == DataMode::per_user) {
    const auto users = data_share(whole, 0, share_count).all_users;
    if (users > table.rows())
      fail(whole, spec.mark,
           data_key(whole) +
               ": mode per_user gives each user a row of its own: the "
               "run has " +
               std::to_string(users) + " users, " + table.file() + " has " +
               std::to_string(table.rows()) +
               (table.rows() == 1 ? " row" : " rows"));
  }
}

}  // namespace golo::agent
