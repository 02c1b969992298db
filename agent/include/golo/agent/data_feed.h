// Which row of the run's data file each iteration gets (DataMode). The
// executor picks a user's row before each iteration starts; the iteration
// runner reads it (row()) to hand the plugin its values. No lock and no
// allocation per pick: one shared counter (sequential, unique) or a
// per-user generator (random).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "golo/agent/data_spec.h"
#include "golo/agent/data_table.h"

namespace golo::agent {

class DataFeed {
 public:
  // `share`: this host's place in the fleet; `users`: its most users (the
  // indices it passes are below it).
  DataFeed(std::shared_ptr<const DataTable> table, DataMode mode,
           DataShare share, std::size_t users);

  // Picks the row of `user`'s next iteration. False when there is none:
  // mode unique, and every row of this host's share was handed out.
  // Thread-safe for distinct users; a user's pick and row() must be ordered
  // (the same thread, or a hand-off that synchronises).
  bool pick(std::uint32_t user) noexcept;
  // The row of user's current iteration (its last pick).
  std::size_t row(std::uint32_t user) const noexcept {
    return slots_[user].row;
  }

  const DataTable &table() const { return *table_; }
  DataMode mode() const { return mode_; }
  // Mode unique: this host's rows (r mod count == index), and how many of
  // them were handed out.
  std::uint64_t share_rows() const { return share_rows_; }
  std::uint64_t rows_used() const;

 private:
  struct alignas(64) Slot {
    std::size_t row = 0;
    std::uint64_t random = 0;  // splitmix64 state
  };
  std::shared_ptr<const DataTable> table_;
  DataMode mode_;
  DataShare share_;
  std::uint64_t rows_;
  std::uint64_t first_;  // sequential: this host's first row
  std::uint64_t share_rows_ = 0;
  std::unique_ptr<Slot[]> slots_;
  std::size_t users_;
  alignas(64) std::atomic<std::uint64_t> next_{0};
};

}  // namespace golo::agent
