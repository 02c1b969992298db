// A schedule's `data:`, the file of rows its iterations read
//   data: {file: users.csv, mode: unique, columns: [user, password]}
// and the checks of a parsed file against it that golo run and the host
// both make before any load.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace golo::agent {

class DataTable;
struct Schedule;

enum class DataMode {
  sequential,  // rows in file order, wrapping; each host from its own offset
  random,      // a uniformly random row per iteration
  unique,      // each row once in the whole run; the run ends when out
  per_user     // user u of the whole run gets row u for all its iterations
};

// "sequential", "random", "unique", "per_user".
std::string_view data_mode_name(DataMode mode);

struct DataSpec {
  std::string file;  // as the schedule names it: relative to its directory
  DataMode mode = DataMode::sequential;
  // The columns the plugin needs (may be empty: none checked).
  std::vector<std::string> columns;
  // Where things are in the schedule (1-based line and column): the data
  // mapping itself, and each name of `columns`.
  struct Mark {
    int line = 1, column = 1;
  };
  Mark mark;
  std::vector<Mark> column_marks;
};

// How messages name the schedule's data mapping: "job.data", or
// "scenarios.NAME.data" for one scenario of a scenarios: schedule.
std::string data_key(const Schedule &s);

// Where host `index` of `count` starts numbering its users in the whole
// run (per_user), and how many users the whole run has: the sums of the
// shares' peak users (Schedule::share), so the hosts' numbers never overlap.
struct DataShare {
  std::uint64_t index = 0, count = 1;
  std::uint64_t first_user = 0, all_users = 0;
};
DataShare data_share(const Schedule &whole, std::uint64_t index,
                     std::uint64_t count);

// Checks `table` against the schedule's data spec (which must be set):
// every listed column is in the file, and per_user has a row for each user
// of the whole run. Throws std::invalid_argument located in the schedule,
// "SCHEDULE:LINE:COLUMN: ...".
void check_data(const Schedule &whole, const DataTable &table,
                std::uint64_t share_count = 1);

}  // namespace golo::agent
