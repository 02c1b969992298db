#include "golo/agent/data_spec.h"

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

DataShare data_share(const Schedule &whole, std::uint64_t index,
                     std::uint64_t count) {
  DataShare d{index, count, 0, 0};
  if (count <= 1) {
    d.all_users = whole.peak_users();
    return d;
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t users = whole.share(i, count).peak_users();
    if (i < index) d.first_user += users;
    d.all_users += users;
  }
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
