// golo_host_api.data's side of the host: what an iteration reads from the
// run's data file. The runner sets an IterationData around each trigger
// call on its thread (DataScope); data(ctx, column) answers from it, so a
// call from any other thread, or outside a call, finds none.
#pragma once

#include <cstddef>
#include <mutex>
#include <set>
#include <string>

#include "golo/agent/data_table.h"
#include "golo/plugin.h"

namespace golo::host {

// Logs a column the file lacks, once per name and run (a plugin that asks
// for it every iteration does not flood the log).
class MissingColumns {
 public:
  void note(const golo_plugin *plugin, const agent::DataTable &table,
            const char *column);

 private:
  std::mutex mutex_;
  std::set<std::string> logged_;
};

// One iteration's row of the run's table.
struct IterationData {
  const agent::DataTable *table = nullptr;
  std::size_t row = 0;
  MissingColumns *missing = nullptr;
};

// Makes `data` (may be null: no data) what data() answers on this thread
// while the scope lives. Scopes do not nest.
class DataScope {
 public:
  explicit DataScope(const IterationData *data);
  ~DataScope();
  DataScope(const DataScope &) = delete;
  DataScope &operator=(const DataScope &) = delete;
};

// The iteration this thread's DataScope set, and setting it back: a fiber
// run's parked iteration keeps its own while other fibers run (fiber_park).
const IterationData *current_data();
void restore_data(const IterationData *data);

// golo_host_api.data: the value, or NULL (see plugin.h).
const char *data_value(const golo_context *ctx, const char *column) noexcept;

}  // namespace golo::host
