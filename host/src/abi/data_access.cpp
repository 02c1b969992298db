#include "abi/data_access.h"

#include <spdlog/spdlog.h>

#include "abi/host_table.h"

namespace golo::host {

namespace {

// The iteration running on this thread, set by its runner: a thread of the
// plugin's own, or a call after the trigger returned, sees none.
thread_local const IterationData *t_current = nullptr;

// Enough names for any plugin that means them; past it, nothing is logged.
constexpr std::size_t kMaxLoggedColumns = 64;

}  // namespace

DataScope::DataScope(const IterationData *data) { t_current = data; }
DataScope::~DataScope() { t_current = nullptr; }
const IterationData *current_data() { return t_current; }
void restore_data(const IterationData *data) { t_current = data; }

void MissingColumns::note(const golo_plugin *plugin,
                          const agent::DataTable &table, const char *column) {
  try {
    std::lock_guard lock(mutex_);
    if (logged_.size() >= kMaxLoggedColumns || !logged_.insert(column).second)
      return;
    spdlog::warn(
        "plugin {}: data(\"{}\"): {} has no such column (its columns: {}); "
        "data() returns NULL for it (logged once per column and run)",
        plugin ? plugin->job : std::string("?"), column, table.file(),
        table.columns_text());
  } catch (...) {
    // A log line is not worth unwinding through the plugin's frames.
  }
}

const char *data_value(const golo_context *ctx, const char *column) noexcept {
  const IterationData *d = t_current;
  if (ctx == nullptr || column == nullptr || d == nullptr ||
      d->table == nullptr)
    return nullptr;
  const std::size_t c = d->table->column(column);
  if (c == agent::DataTable::npos) {
    if (d->missing) d->missing->note(ctx->plugin, *d->table, column);
    return nullptr;
  }
  return d->table->cell(d->row, c);
}

}  // namespace golo::host
